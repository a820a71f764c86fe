"""What a build target is: a small class with a name, checks and a build step; the driver owns the rest
(choosing targets, temp folders, moving files into dist/, checksums, the report)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, Protocol, TypeVar, runtime_checkable

from pydantic import BaseModel

from mcpship._problems import Problem
from mcpship._reporter import Reporter
from mcpship.interface.lock import InterfaceLock
from mcpship.spec.load import ResolvedSpec

__all__ = ["Artifact", "BuildContext", "BuildOptions", "Target", "target_config"]

_ConfigT = TypeVar("_ConfigT", bound=BaseModel)


@dataclass(frozen=True, kw_only=True)
class Artifact:
    """One file a target produced, as recorded in ``dist/mcpship-build.json``."""

    target: str
    kind: str
    """``wheel``, ``sdist``, ``mcpb``, ``server.json``, ... (a target may produce several kinds)."""
    path: Path
    sha256: str
    size: int
    version: str
    lock_digest: str | None
    platform: str | None = None
    """For per-platform artifacts (an MCPB bundle with compiled wheels for ``linux-x86_64``)."""


@dataclass(frozen=True, kw_only=True)
class BuildOptions:
    fix: bool = False
    """Let checks repair what they safely can (e.g. add the ``mcp-name:`` marker to the README)."""
    platforms: tuple[str, ...] = ()
    """Per-platform MCPB bundles (``linux-x86_64``, ``darwin-arm64``, ``win32-x86_64``); empty = one portable bundle."""
    sign_key: Path | None = None
    sign_cert: Path | None = None
    sign_chain: tuple[Path, ...] = ()


@dataclass(frozen=True, kw_only=True)
class BuildContext:
    resolved: ResolvedSpec
    lock: InterfaceLock | None
    staging: Path
    """An empty folder for this target's output; the driver moves what ``build`` returns into dist/."""
    work: Path
    """Scratch space, deleted afterwards."""
    source_date_epoch: int
    """Timestamp for every file in every archive: the same commit gives the same bytes."""
    options: BuildOptions
    reporter: Reporter
    built: Mapping[str, Sequence[Artifact]] = field(default_factory=dict)
    """Artifacts of the other targets (this build's and the previous report's), e.g. for server.json."""

    @property
    def root(self) -> Path:
        return self.resolved.root


@runtime_checkable
class Target(Protocol):
    """A distribution format. Built-ins and third parties (entry point group ``mcpship.targets``) look alike."""

    name: ClassVar[str]
    needs: ClassVar[tuple[str, ...]]
    """Targets whose artifacts this one reads when they are built too (``registry`` needs the others)."""

    def not_applicable(self, context: BuildContext) -> str | None:
        """Why this target does not apply to this server (``npm`` for a Python server), or None."""
        ...

    def check(self, context: BuildContext) -> list[Problem]:
        """Problems that stop the build, each with a fix; with ``options.fix`` repair what is safe first."""
        ...

    def build(self, context: BuildContext) -> list[tuple[str, Path, str | None]]:
        """Write the artifacts into ``context.staging``; return ``(kind, path, platform)`` for each."""
        ...


def target_config(context: BuildContext, target: str, model: type[_ConfigT]) -> _ConfigT:
    """The spec's ``[targets.<target>]`` table as ``model`` (extra keys forbidden); errors name file and key."""
    from pydantic import ValidationError

    from mcpship._exceptions import SpecError
    from mcpship.spec.errors import describe_validation_error

    raw = context.resolved.spec.targets.get(target, {})
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        source = str(context.resolved.source or context.root / "mcpship.toml")
        table = "tool.mcpship.targets." + target if source.endswith("pyproject.toml") else "targets." + target
        message, hint = describe_validation_error(exc, source=source, table=table, model=model)
        raise SpecError(message, hint=hint) from None
