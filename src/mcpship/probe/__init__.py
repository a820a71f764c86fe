"""Start or reach an MCP server and read its interface live, over the official SDK.

Kept import-light on purpose: :func:`inspect_server` spawns a stdio server before anyio, pydantic and the SDK
are loaded, so those imports overlap the server's own start-up.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

from mcpship._reporter import Reporter
from mcpship.probe.limits import ProbeLimits
from mcpship.probe.locations import TARGET_FORMS, plan_for_project, resolve_target
from mcpship.probe.plan import HttpPlan, LaunchPlan, StdioPlan
from mcpship.probe.snapshot import ServerSnapshot

Spawner = Callable[[StdioPlan], subprocess.Popen[bytes]]
"""Starts the process for a plan; the CLI passes one that adopts a server it spawned before parsing."""

if TYPE_CHECKING:
    from mcpship.probe.session import inspect_plan, inspect_spawned

__all__ = [
    "TARGET_FORMS",
    "HttpPlan",
    "LaunchPlan",
    "ProbeLimits",
    "ServerSnapshot",
    "Spawner",
    "StdioPlan",
    "inspect_plan",
    "inspect_server",
    "inspect_spawned",
    "plan_for_project",
    "resolve_target",
]


def __getattr__(name: str) -> Any:
    if name in ("inspect_plan", "inspect_spawned"):
        from mcpship.probe import session

        return getattr(session, name)
    raise AttributeError(f"module 'mcpship.probe' has no attribute {name!r}")


def inspect_server(
    target: str | None,
    command: Sequence[str] = (),
    *,
    env: Mapping[str, str] | None = None,
    inherit_env: bool = False,
    script: str | None = None,
    timeout: float = 60.0,
    reporter: Reporter | None = None,
    spawner: Spawner | None = None,
    limits: ProbeLimits | None = None,
) -> ServerSnapshot:
    """Inspect a server named the way the CLI accepts it (folder, URL, wheel, ``pypi:``, ``npm:``, or ``command``).

    >>> snapshot = inspect_server("examples/notes-py")          # doctest: +SKIP
    >>> [tool["name"] for tool in snapshot.tools]                # doctest: +SKIP
    ['add_note', 'search_notes', 'delete_note']
    """
    plan = resolve_target(target, command, env_overrides=env, inherit_env=inherit_env, script=script, reporter=reporter)
    if not isinstance(plan, StdioPlan):
        import anyio

        from mcpship.probe import session

        return anyio.run(partial(session.inspect_plan, plan, timeout=timeout, reporter=reporter, limits=limits))
    from mcpship.probe.spawn import owned, spawn

    process = (spawner or spawn)(plan)  # before the heavy imports below: they run while the server boots
    with owned(process):  # stopped even if interrupted before the session takes it over
        import anyio

        from mcpship.probe import session

        run = partial(session.inspect_spawned, plan, process, timeout=timeout, reporter=reporter, limits=limits)
        return anyio.run(run)
