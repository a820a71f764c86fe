"""mcpship: package MCP servers once, install them anywhere.

The library behind the ``mcpship`` command. Every command is one function here::

    import mcpship

    resolved = mcpship.load_spec("examples/notes-py")            # the server's one description
    snapshot = mcpship.inspect_server("examples/notes-py")       # its live interface, over MCP
    outcome = mcpship.lock_project("examples/notes-py")          # mcp-interface.json
    found = mcpship.search_registry("notes")                    # the registry of the last login
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from mcpship.__about__ import __version__
from mcpship._exceptions import (
    BuildError,
    CheckFailedError,
    InterfaceChangeError,
    InterfaceDriftError,
    InvalidArtifactError,
    LockError,
    McpshipError,
    MissingRuntimeError,
    ProbeError,
    ProtocolViolationError,
    PublishError,
    RegistryError,
    RegistryPublishError,
    ReleaseError,
    ServerConnectionError,
    ServerExitedError,
    ServerStartError,
    ServerTimeoutError,
    SpecError,
    ToolchainError,
    UsageError,
    VerifyError,
    VersionError,
)

# Public names resolved on first use, so `import mcpship` (and the CLI's start) stays cheap: the CLI
# spawns a server before loading pydantic models and the MCP SDK, which then load while the server boots.
_LAZY = {
    "BumpPlan": "mcpship.versioning",
    "bump_project": "mcpship.versioning",
    "check_versions_in_sync": "mcpship.versioning",
    "CheckReport": "mcpship.pipeline.check",
    "check_project": "mcpship.pipeline.check",
    "Problem": "mcpship._problems",
    "BuildReport": "mcpship.pipeline",
    "build_project": "mcpship.pipeline",
    "ShipOutcome": "mcpship.pipeline.ship",
    "ship_project": "mcpship.pipeline.ship",
    "ReleaseOutcome": "mcpship.pipeline.release",
    "ReleaseRequest": "mcpship.pipeline.release",
    "release_project": "mcpship.pipeline.release",
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
    "Change": "mcpship.interface.semver",
    "Classification": "mcpship.interface.semver",
    "classify": "mcpship.interface.semver",
    "InterfaceDiff": "mcpship.interface.sides",
    "diff_interfaces": "mcpship.interface.sides",
    "LockOutcome": "mcpship.interface.project",
    "lock_project": "mcpship.interface.project",
    "ServerSnapshot": "mcpship.probe",
    "inspect_server": "mcpship.probe",
    "ResolvedSpec": "mcpship.spec",
    "Spec": "mcpship.spec",
    "load_spec": "mcpship.spec",
    "InitOutcome": "mcpship.spec.init",
    "init_project": "mcpship.spec.init",
    "OciDestination": "mcpship.channels.publish",
    "OciPublishOutcome": "mcpship.channels.publish",
    "RegistryDestination": "mcpship.channels.publish",
    "RegistryPublishOutcome": "mcpship.channels.publish",
    "publish_artifact": "mcpship.channels.publish",
    "ChannelResult": "mcpship.channels.publish",
    "NpmDestination": "mcpship.channels.publish",
    "PublishOptions": "mcpship.channels.publish",
    "PublishRun": "mcpship.channels.publish",
    "PublishedItem": "mcpship.channels.publish",
    "PypiDestination": "mcpship.channels.publish",
    "publish_channels": "mcpship.channels.publish",
    "LoginOutcome": "mcpship.registry_client.login",
    "LoginRequest": "mcpship.registry_client.login",
    "LogoutOutcome": "mcpship.registry_client.login",
    "login_registry": "mcpship.registry_client.login",
    "logout_registry": "mcpship.registry_client.login",
    "SearchResult": "mcpship.registry_client.client",
    "search_registry": "mcpship.registry_client.search",
    "registry_in_use": "mcpship.registry_client.tokens",
    "MirrorOptions": "mcpship.registry.deployment",
    "ServeOptions": "mcpship.registry.deployment",
    "run_mirror": "mcpship.registry.deployment",
    "serve_registry": "mcpship.registry.deployment",
    "serve_settings": "mcpship.registry.deployment",
}

if TYPE_CHECKING:
    from mcpship._problems import Problem
    from mcpship._reporter import NullReporter, Reporter
    from mcpship.channels.publish import (
        ChannelResult,
        NpmDestination,
        OciDestination,
        OciPublishOutcome,
        PublishedItem,
        PublishOptions,
        PublishRun,
        PypiDestination,
        RegistryDestination,
        RegistryPublishOutcome,
        publish_artifact,
        publish_channels,
    )
    from mcpship.interface import InterfaceLock, ItemChange, diff_locks, lock_from_snapshot, read_lock
    from mcpship.interface.project import LockOutcome, lock_project
    from mcpship.interface.semver import Change, Classification, classify
    from mcpship.interface.sides import InterfaceDiff, diff_interfaces
    from mcpship.pipeline import BuildReport, build_project
    from mcpship.pipeline.release import ReleaseOutcome, ReleaseRequest, release_project
    from mcpship.pipeline.ship import ShipOutcome, ship_project
    from mcpship.probe import ServerSnapshot, inspect_server
    from mcpship.registry.deployment import MirrorOptions, ServeOptions, run_mirror, serve_registry, serve_settings
    from mcpship.registry_client.client import SearchResult
    from mcpship.registry_client.login import LoginOutcome, LoginRequest, LogoutOutcome, login_registry, logout_registry
    from mcpship.registry_client.search import search_registry
    from mcpship.registry_client.tokens import registry_in_use
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
    "BumpPlan",
    "Change",
    "ChannelResult",
    "CheckFailedError",
    "CheckReport",
    "Classification",
    "InitOutcome",
    "InterfaceChangeError",
    "InterfaceDiff",
    "InterfaceDriftError",
    "InterfaceLock",
    "InvalidArtifactError",
    "ItemChange",
    "LockError",
    "LockOutcome",
    "LoginOutcome",
    "LoginRequest",
    "LogoutOutcome",
    "McpshipError",
    "MirrorOptions",
    "MissingRuntimeError",
    "NpmDestination",
    "NullReporter",
    "OciDestination",
    "OciPublishOutcome",
    "ProbeError",
    "Problem",
    "ProtocolViolationError",
    "PublishError",
    "PublishOptions",
    "PublishRun",
    "PublishedItem",
    "PypiDestination",
    "RegistryDestination",
    "RegistryError",
    "RegistryPublishError",
    "RegistryPublishOutcome",
    "ReleaseError",
    "ReleaseOutcome",
    "ReleaseRequest",
    "Reporter",
    "ResolvedSpec",
    "SearchResult",
    "ServeOptions",
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
    "VersionError",
    "__version__",
    "build_project",
    "bump_project",
    "check_project",
    "check_versions_in_sync",
    "classify",
    "diff_interfaces",
    "diff_locks",
    "init_project",
    "inspect_server",
    "load_spec",
    "lock_from_snapshot",
    "lock_project",
    "login_registry",
    "logout_registry",
    "publish_artifact",
    "publish_channels",
    "read_lock",
    "registry_in_use",
    "release_project",
    "run_mirror",
    "search_registry",
    "serve_registry",
    "serve_settings",
    "ship_project",
    "validate_paths",
    "verify_dist",
]
