"""``mcpship lock``: probe a project live and write, or check, its ``mcp-interface.json``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import anyio

from mcpship._exceptions import InterfaceDriftError, SpecError
from mcpship._reporter import Reporter
from mcpship.interface.diff import ItemChange, diff_locks
from mcpship.interface.lock import LOCK_FILE, InterfaceLock, lock_from_snapshot, read_lock, write_lock
from mcpship.interface.render import bump_sentence, describe_changes, describe_classification
from mcpship.interface.semver import Classification, classify
from mcpship.probe import ProbeLimits, Spawner
from mcpship.probe.locations import plan_for_directory
from mcpship.probe.spawn import owned, spawn

__all__ = ["LockOutcome", "lock_project", "probe_lock"]


@dataclass(frozen=True, kw_only=True)
class LockOutcome:
    path: Path
    lock: InterfaceLock
    written: bool
    """False for ``check=True`` and when the file already held exactly these bytes."""
    changes: list[ItemChange] = field(default_factory=list)
    """Differences from the lock that was on disk before (empty when there was none)."""
    classification: Classification = field(default_factory=lambda: Classification(()))
    """The same differences by semver rule, with the bump they require."""


def probe_lock(
    root: Path,
    *,
    env: Mapping[str, str] | None = None,
    inherit_env: bool = False,
    timeout: float = 60.0,
    reporter: Reporter | None = None,
    spawner: Spawner | None = None,
    limits: ProbeLimits | None = None,
) -> InterfaceLock:
    """The lock of a project folder's live server, started the way its spec says; nothing is written."""
    plan = plan_for_directory(root, env_overrides=env, inherit_env=inherit_env, reporter=reporter)
    assert plan is not None
    process = (spawner or spawn)(plan)

    async def probe() -> InterfaceLock:
        from mcpship.probe.session import inspect_spawned

        snapshot = await inspect_spawned(plan, process, timeout=timeout, reporter=reporter, limits=limits)
        return lock_from_snapshot(snapshot)

    with owned(process):  # stopped even if interrupted before the session takes it over
        return anyio.run(probe)


def lock_project(
    directory: Path | str = ".",
    *,
    check: bool = False,
    env: Mapping[str, str] | None = None,
    timeout: float = 60.0,
    reporter: Reporter | None = None,
    spawner: Spawner | None = None,
    limits: ProbeLimits | None = None,
) -> LockOutcome:
    """Write ``mcp-interface.json`` from the live server; with ``check``, raise :class:`InterfaceDriftError` instead
    when the live interface differs from the file."""
    root = Path(directory).resolve()
    if not root.is_dir():
        raise SpecError(f"{directory}: not a directory", hint="pass the folder that holds your MCP server project")
    path = root / LOCK_FILE
    previous = read_lock(path) if check or path.exists() else None
    live = probe_lock(root, env=env, timeout=timeout, reporter=reporter, spawner=spawner, limits=limits)
    changes = diff_locks(previous, live) if previous is not None else []
    classification = classify(previous, live) if previous is not None else Classification(())
    if check:
        assert previous is not None
        if changes:
            raise InterfaceDriftError(
                f"the live interface of {root.name} no longer matches {path.name} "
                f"({len(changes)} change{'s' if len(changes) != 1 else ''}; {bump_sentence(classification)}):\n"
                f"{describe_classification(classification)}\n{describe_changes(changes)}",
                hint="if the change is intended, run `mcpship lock` to accept it (and bump the version)",
                classification=classification,
            )
        return LockOutcome(path=path, lock=live, written=False)
    unchanged = path.exists() and path.read_text(encoding="utf-8") == live.text()
    if not unchanged:
        write_lock(live, path)
    return LockOutcome(path=path, lock=live, written=not unchanged, changes=changes, classification=classification)
