"""mcpship: package MCP servers once, install them anywhere.

The library behind the ``mcpship`` command. Every command is one function here::

    import mcpship

    resolved = mcpship.load_spec("examples/notes-py")            # the server's one description
    snapshot = mcpship.inspect_server("examples/notes-py")       # its live interface, over MCP
    outcome = mcpship.lock_project("examples/notes-py")          # mcp-interface.json
"""

from mcpship.__about__ import __version__
from mcpship._exceptions import (
    InterfaceDriftError,
    LockError,
    McpshipError,
    ProbeError,
    ProtocolViolationError,
    ServerConnectionError,
    ServerExitedError,
    ServerStartError,
    ServerTimeoutError,
    SpecError,
    ToolchainError,
    UsageError,
)
from mcpship._reporter import NullReporter, Reporter
from mcpship.interface import InterfaceLock, ItemChange, diff_locks, lock_from_snapshot, read_lock
from mcpship.interface.project import LockOutcome, lock_project
from mcpship.probe import ServerSnapshot, inspect_server
from mcpship.spec import ResolvedSpec, Spec, load_spec
from mcpship.spec.init import InitOutcome, init_project

__all__ = [
    "InitOutcome",
    "InterfaceDriftError",
    "InterfaceLock",
    "ItemChange",
    "LockError",
    "LockOutcome",
    "McpshipError",
    "NullReporter",
    "ProbeError",
    "ProtocolViolationError",
    "Reporter",
    "ResolvedSpec",
    "ServerConnectionError",
    "ServerExitedError",
    "ServerSnapshot",
    "ServerStartError",
    "ServerTimeoutError",
    "Spec",
    "SpecError",
    "ToolchainError",
    "UsageError",
    "__version__",
    "diff_locks",
    "init_project",
    "inspect_server",
    "load_spec",
    "lock_from_snapshot",
    "lock_project",
    "read_lock",
]
