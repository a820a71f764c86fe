"""mcpship: package MCP servers once, install them anywhere.

The library behind the ``mcpship`` command. Every command is one function here::

    import mcpship

    resolved = mcpship.load_spec("examples/notes-py")            # the server's one description
    snapshot = mcpship.inspect_server("examples/notes-py")       # its live interface, over MCP
    outcome = mcpship.lock_project("examples/notes-py")          # mcp-interface.json
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from mcpship.__about__ import __version__
from mcpship._exceptions import (
    BuildError,
    InterfaceDriftError,
    InvalidArtifactError,
    LockError,
    McpshipError,
    MissingRuntimeError,
    ProbeError,
    ProtocolViolationError,
    PublishError,
    ServerConnectionError,
    ServerExitedError,
    ServerStartError,
    ServerTimeoutError,
    SpecError,
    ToolchainError,
    UsageError,
    VerifyError,
)

# Public names resolved on first use, so `import mcpship` (and the CLI's start) stays cheap: the CLI
# spawns a server before loading pydantic models and the MCP SDK, which then load while the server boots.
_LAZY = {
    "Problem": "mcpship._problems",
    "BuildReport": "mcpship.pipeline",
    "build_project": "mcpship.pipeline",
    "ShipOutcome": "mcpship.pipeline.ship",
    "ship_project": "mcpship.pipeline.ship",
    "Artifact": "mcpship.targets",
    "BuildOptions": "mcpship.targets",
    "VerifyResult": "mcpship.verify",
    "verify_dist": "mcpship.verify",
    "validate_paths": "mcpship.validate",
    "NullReporter": "mcpship._reporter",
    "Reporter": "mcpship._reporter",
    "InterfaceLock": "mcpship.interface",
    "ItemChange": "mcpship.interface",
    "diff_locks": "mcpship.interface",
    "lock_from_snapshot": "mcpship.interface",
    "read_lock": "mcpship.interface",
    "LockOutcome": "mcpship.interface.project",
    "lock_project": "mcpship.interface.project",
    "ServerSnapshot": "mcpship.probe",
    "inspect_server": "mcpship.probe",
    "ResolvedSpec": "mcpship.spec",
    "Spec": "mcpship.spec",
    "load_spec": "mcpship.spec",
    "InitOutcome": "mcpship.spec.init",
    "init_project": "mcpship.spec.init",
}

if TYPE_CHECKING:
    from mcpship._problems import Problem
    from mcpship._reporter import NullReporter, Reporter
    from mcpship.interface import InterfaceLock, ItemChange, diff_locks, lock_from_snapshot, read_lock
    from mcpship.interface.project import LockOutcome, lock_project
    from mcpship.pipeline import BuildReport, build_project
    from mcpship.pipeline.ship import ShipOutcome, ship_project
    from mcpship.probe import ServerSnapshot, inspect_server
    from mcpship.spec import ResolvedSpec, Spec, load_spec
    from mcpship.spec.init import InitOutcome, init_project
    from mcpship.targets import Artifact, BuildOptions
    from mcpship.validate import validate_paths
    from mcpship.verify import VerifyResult, verify_dist


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'mcpship' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "Artifact",
    "BuildError",
    "BuildOptions",
    "BuildReport",
    "InitOutcome",
    "InterfaceDriftError",
    "InterfaceLock",
    "InvalidArtifactError",
    "ItemChange",
    "LockError",
    "LockOutcome",
    "McpshipError",
    "MissingRuntimeError",
    "NullReporter",
    "ProbeError",
    "Problem",
    "ProtocolViolationError",
    "PublishError",
    "Reporter",
    "ResolvedSpec",
    "ServerConnectionError",
    "ServerExitedError",
    "ServerSnapshot",
    "ServerStartError",
    "ServerTimeoutError",
    "ShipOutcome",
    "Spec",
    "SpecError",
    "ToolchainError",
    "UsageError",
    "VerifyError",
    "VerifyResult",
    "__version__",
    "build_project",
    "diff_locks",
    "init_project",
    "inspect_server",
    "load_spec",
    "lock_from_snapshot",
    "lock_project",
    "read_lock",
    "ship_project",
    "validate_paths",
    "verify_dist",
]
