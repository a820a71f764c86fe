"""What a build target is: a small class with a name, a config class, checks, a build step and, if it likes, its
own verify step; the driver owns the rest (choosing targets, temp folders, moving files into dist/, checksums,
the report). Built-ins and third-party targets (entry point group ``mcpship.targets``) follow the same contract,
documented in docs/plugins.md."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, NamedTuple, Protocol, TypeVar, runtime_checkable

from pydantic import BaseModel, ConfigDict

from mcpship._problems import Problem
from mcpship._reporter import Reporter
from mcpship.interface.lock import InterfaceLock
from mcpship.spec.load import ResolvedSpec

if TYPE_CHECKING:
    from mcpship.verify.context import VerifyContext
    from mcpship.verify.result import VerifyResult

__all__ = [
    "Artifact",
    "BuildContext",
    "BuildOptions",
    "BuiltFile",
    "NoConfig",
    "Target",
    "VerifyingTarget",
    "config_location",
    "target_config",
]

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


class BuiltFile(NamedTuple):
    """One file a target wrote into ``context.staging``; the driver moves it to dist/ and records its
    :class:`Artifact` (checksum, size, version, lock digest)."""

    kind: str
    """What the file is (``wheel``, ``mcpb``, ``smithery.yaml``, ...); verify and publish choose by it."""
    path: Path
    platform: str | None = None


class NoConfig(BaseModel):
    """The config class of a target without settings: its ``[targets.<name>]`` table must be empty."""

    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True, kw_only=True)
class BuildOptions:
    fix: bool = False
    """Let checks repair what they safely can (e.g. add the ``mcp-name:`` marker to the README)."""
    platforms: tuple[str, ...] = ()
    """Per-platform MCPB bundles (``linux-x86_64``, ``darwin-arm64``, ``win32-x86_64``); empty = one portable bundle."""
    sign_key: Path | None = None
    """Overrides ``[targets.mcpb] sign_key`` (the ``--sign-key`` flag); likewise ``sign_cert`` and ``sign_chain``."""
    sign_cert: Path | None = None
    sign_chain: tuple[Path, ...] = ()
    supply_chain: bool = True
    """Write an SBOM per artifact and the build's provenance statement beside the artifacts (``--no-sbom``)."""


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
    """The name in ``[targets.<name>]``, ``--target`` and each :class:`Artifact` it builds."""
    config_class: ClassVar[type[BaseModel]]
    """The pydantic model of ``[targets.<name>]`` (``extra="forbid"``): the spec loader validates the table with
    it, so a typo is an error naming the file, the table and the key. :class:`NoConfig` when there is nothing
    to configure; read it in ``check``/``build`` with :func:`target_config`."""
    needs: ClassVar[tuple[str, ...]]
    """Targets whose artifacts this one reads when they are built too (``server-json`` needs the others)."""

    def not_applicable(self, context: BuildContext) -> str | None:
        """Why this target does not apply to this server (``npm`` for a Python server), or None."""
        ...

    def check(self, context: BuildContext) -> list[Problem]:
        """Problems that stop the build, each with a fix; with ``options.fix`` repair what is safe first."""
        ...

    def build(self, context: BuildContext) -> Sequence[BuiltFile]:
        """Write the artifacts into ``context.staging``; return one :class:`BuiltFile` for each."""
        ...


@runtime_checkable
class VerifyingTarget(Protocol):
    """A target with its own verify step: ``mcpship verify`` calls it for every artifact the target built,
    instead of the built-in runners (which know wheels, npm tarballs, MCPB bundles and OCI images)."""

    def verify(self, artifact: Artifact, context: VerifyContext) -> VerifyResult:
        """Check ``artifact`` as its users would meet it; a failure is a result with ``status="failed"``."""
        ...


def config_location(resolved: ResolvedSpec, target: str) -> tuple[str, str]:
    """The file holding ``[targets.<target>]`` and the table's name there, under the name the file uses
    (``targets.registry`` for the old name of ``server-json``; ``tool.mcpship.targets.…`` in pyproject.toml)."""
    source = str(resolved.source or resolved.root / "mcpship.toml")
    prefix = "tool.mcpship." if source.endswith("pyproject.toml") else ""
    return source, f"{prefix}targets.{resolved.target_keys.get(target, target)}"


def target_config(context: BuildContext, target: str, model: type[_ConfigT]) -> _ConfigT:
    """The spec's ``[targets.<target>]`` table as ``model`` (extra keys forbidden); errors name file and key."""
    from pydantic import ValidationError

    from mcpship._exceptions import SpecError
    from mcpship.spec.errors import describe_validation_error

    raw = context.resolved.spec.targets.get(target, {})
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        source, table = config_location(context.resolved, target)
        message, hint = describe_validation_error(exc, source=source, table=table, model=model)
        raise SpecError(message, hint=hint) from None
