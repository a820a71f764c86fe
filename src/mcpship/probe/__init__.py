"""Start or reach an MCP server and read its interface live, over the official SDK."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import anyio

from mcpship._reporter import Reporter
from mcpship.probe.plan import HttpPlan, LaunchPlan, StdioPlan
from mcpship.probe.session import inspect_plan
from mcpship.probe.snapshot import ServerSnapshot
from mcpship.probe.targets import TARGET_FORMS, plan_for_project, resolve_target

__all__ = [
    "TARGET_FORMS",
    "HttpPlan",
    "LaunchPlan",
    "ServerSnapshot",
    "StdioPlan",
    "inspect_plan",
    "inspect_server",
    "plan_for_project",
    "resolve_target",
]


def inspect_server(
    target: str | None,
    command: Sequence[str] = (),
    *,
    env: Mapping[str, str] | None = None,
    inherit_env: bool = False,
    script: str | None = None,
    timeout: float = 60.0,
    reporter: Reporter | None = None,
) -> ServerSnapshot:
    """Inspect a server named the way the CLI accepts it (folder, URL, wheel, ``pypi:``, ``npm:``, or ``command``).

    >>> snapshot = inspect_server("examples/notes-py")          # doctest: +SKIP
    >>> [tool["name"] for tool in snapshot.tools]                # doctest: +SKIP
    ['add_note', 'delete_note', 'search_notes']
    """
    plan = resolve_target(target, command, env_overrides=env, inherit_env=inherit_env, script=script, reporter=reporter)

    async def run() -> ServerSnapshot:
        return await inspect_plan(plan, timeout=timeout, reporter=reporter)

    return anyio.run(run)
