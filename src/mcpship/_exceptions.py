"""Every error mcpship raises, as one tree. Each class carries the process exit code the CLI uses.

    McpshipError                     1  anything mcpship could not do
    ├── UsageError                   2  a command line mcpship cannot act on (unknown TARGET form, ...)
    ├── SpecError                    3  mcpship.toml / [tool.mcpship] is missing, malformed or inconsistent
    ├── ToolchainError               4  a helper program (uv, node, npx) is missing or failed to prepare a run
    │   └── MissingRuntimeError         verify could not run an artifact: no runtime for it (also a VerifyError)
    ├── ProbeError                   5  talking MCP to a server failed
    │   ├── ServerStartError            the server could not be started at all
    │   ├── ServerExitedError           it exited before answering (exit code, stderr tail)
    │   ├── ProtocolViolationError      it wrote something that is not MCP (non-JSON stdout, bad replies)
    │   ├── ServerTimeoutError          it never answered in time
    │   └── ServerConnectionError       an HTTP server could not be reached or refused the request
    ├── LockError                    6  mcp-interface.json is missing or unreadable
    ├── InterfaceDriftError          7  the live interface no longer matches mcp-interface.json
    ├── BuildError                   8  a target's checks or its build failed
    ├── InvalidArtifactError         9  `mcpship validate` found problems (each with file, JSON path and hint)
    ├── VerifyError                 10  a built artifact did not start, or its interface differs from the lock
    ├── PublishError                11  a channel (an OCI or MCP registry) refused or could not take an artifact
    │   └── RegistryPublishError        an MCP registry refused a publish (also a RegistryError: status, detail)
    ├── RegistryError               12  an MCP registry refused a request or could not be reached (login, search,
    │                                   mirror); ``status``, ``detail`` and ``errors`` are the registry's own words
    ├── VersionError                13  the project's version places disagree, or one cannot be read, bumped or written
    ├── CheckFailedError            14  `mcpship check`: one or more gates failed (each listed with its own error)
    └── InterfaceChangeError        15  `mcpship diff --fail-on LEVEL`: the interface changed at or above LEVEL

Messages are complete sentences saying what failed; ``hint`` says how to fix it. Library code raises,
the CLI renders ``error:`` and ``hint:`` lines.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: importing them here would load the build and verify code with every error
    from mcpship._problems import Problem
    from mcpship.interface.semver import Classification
    from mcpship.pipeline.driver import BuildReport
    from mcpship.verify import VerifyResult

__all__ = [
    "BuildError",
    "CheckFailedError",
    "InterfaceChangeError",
    "InterfaceDriftError",
    "InvalidArtifactError",
    "LockError",
    "McpshipError",
    "MissingRuntimeError",
    "ProbeError",
    "ProtocolViolationError",
    "PublishError",
    "RegistryError",
    "RegistryPublishError",
    "ReleaseError",
    "ServerConnectionError",
    "ServerExitedError",
    "ServerStartError",
    "ServerTimeoutError",
    "SpecError",
    "ToolchainError",
    "UsageError",
    "VerifyError",
    "VersionError",
]


class McpshipError(Exception):
    """Base of every mcpship error."""

    exit_code: int = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class UsageError(McpshipError):
    exit_code = 2


class SpecError(McpshipError):
    exit_code = 3


class ToolchainError(McpshipError):
    exit_code = 4


class ProbeError(McpshipError):
    exit_code = 5


class ServerStartError(ProbeError):
    pass


class ServerExitedError(ProbeError):
    def __init__(self, message: str, *, hint: str | None = None, returncode: int | None, stderr_tail: str) -> None:
        super().__init__(message, hint=hint)
        self.returncode = returncode
        self.stderr_tail = stderr_tail


class ProtocolViolationError(ProbeError):
    pass


class ServerTimeoutError(ProbeError):
    pass


class ServerConnectionError(ProbeError):
    pass


class LockError(McpshipError):
    exit_code = 6


class InterfaceDriftError(McpshipError):
    exit_code = 7

    def __init__(self, message: str, *, hint: str | None = None, classification: Classification | None = None) -> None:
        super().__init__(message, hint=hint)
        self.classification = classification
        """The drift by semver rule (``mcpship lock --check``), when it was classified."""


class InterfaceChangeError(McpshipError):
    """``mcpship diff --fail-on LEVEL``: the interface changed at or above that level (the changes were shown)."""

    exit_code = 15

    def __init__(self, message: str, *, hint: str | None = None, classification: Classification) -> None:
        super().__init__(message, hint=hint)
        self.classification = classification


class BuildError(McpshipError):
    exit_code = 8

    def __init__(self, message: str, *, hint: str | None = None, report: BuildReport | None = None) -> None:
        super().__init__(message, hint=hint)
        self.report = report
        """The :class:`mcpship.pipeline.BuildReport` when some targets were built before others failed."""


class InvalidArtifactError(McpshipError):
    exit_code = 9


class VerifyError(McpshipError):
    exit_code = 10

    def __init__(self, message: str, *, hint: str | None = None, results: Sequence[VerifyResult] | None = None) -> None:
        super().__init__(message, hint=hint)
        self.results: list[VerifyResult] = list(results or [])
        """Every :class:`mcpship.verify.VerifyResult`, passed and failed, for the report table."""


class MissingRuntimeError(ToolchainError, VerifyError):
    """``verify`` ran what it could, but nothing on this machine runs some artifact (no container runtime for an
    image). Exit code 4, like every missing tool; ``results`` holds every row, as for :class:`VerifyError`."""


class PublishError(McpshipError):
    exit_code = 11


class RegistryError(McpshipError):
    """An MCP registry refused a request or could not be reached; ``status`` is None for network failures, and
    ``detail`` / ``errors`` carry the registry's problem+json answer as it wrote it."""

    exit_code = 12

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        status: int | None = None,
        detail: str | None = None,
        errors: tuple[str, ...] = (),
    ) -> None:
        super().__init__(message, hint=hint)
        self.status = status
        self.detail = detail
        self.errors = errors


class RegistryPublishError(RegistryError, PublishError):
    """A publish the MCP registry refused (or could not take): a :class:`PublishError` like any channel's refusal,
    with the registry's ``status``, ``detail`` and ``errors``."""

    exit_code = PublishError.exit_code


class VersionError(McpshipError):
    """The version places of a project (pyproject.toml, package.json, server.json, ...) disagree, or one cannot be
    read, bumped or written back; the message names the file and the field, and ``problems`` holds each place that
    disagrees (file, field, fix) for ``--json``."""

    exit_code = 13

    def __init__(self, message: str, *, hint: str | None = None, problems: Sequence[Problem] = ()) -> None:
        super().__init__(message, hint=hint)
        self.problems: list[Problem] = list(problems)


class CheckFailedError(McpshipError):
    """``mcpship check`` found failing gates; ``failures`` holds each gate's own error (its class and exit code are
    in the ``--json`` problems)."""

    exit_code = 14

    def __init__(self, message: str, *, hint: str | None = None, failures: Sequence[McpshipError] = ()) -> None:
        super().__init__(message, hint=hint)
        self.failures: list[McpshipError] = list(failures)


class ReleaseError(McpshipError):
    """``mcpship release`` cannot start or continue: another release is unfinished (``--resume`` continues it), the
    git work tree has changes, the release state file is unreadable, a git command failed, or the tag exists on
    another commit. A step that fails keeps its own error class and exit code."""

    exit_code = 16
