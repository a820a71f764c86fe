"""An in-toto Statement v1 with the SLSA Provenance v1 predicate describing one ``mcpship build``.

``subject`` names every file of the build's SHA256SUMS with the same digest; ``buildDefinition`` says what was
built (the spec, the targets) from which sources (the git commit, the spec, the interface lock and dependency
locks, by digest); ``runDetails`` says who built it (mcpship's version, and the CI run when there is one). The
statement is written as RFC 8785 canonical JSON, so its own digest is stable. It is unsigned: attestation
tooling (``gh attestation``, ``cosign attest``) signs it as it is.
"""

from __future__ import annotations

import datetime
import os
import re
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import rfc8785
from pydantic import BaseModel, ConfigDict, Field

from mcpship.__about__ import __version__

__all__ = [
    "BUILD_TYPE",
    "PROVENANCE_FILE",
    "PROVENANCE_MEDIA_TYPE",
    "BuildInputs",
    "Statement",
    "build_provenance",
    "render_provenance",
]

PROVENANCE_FILE = "provenance.intoto.json"
PROVENANCE_MEDIA_TYPE = "application/vnd.in-toto+json"
STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PREDICATE_TYPE = "https://slsa.dev/provenance/v1"
BUILD_TYPE = "https://github.com/mcpship/mcpship/blob/main/docs/security.md#build-provenance-v1"
LOCAL_BUILDER = "https://github.com/mcpship/mcpship/blob/main/docs/security.md#local-builder"
_GIT_COMMIT = re.compile(r"^[0-9a-f]{40}([0-9a-f]{24})?$")
_SAFE_ENV = re.compile(r"^[A-Za-z0-9._/:@+-]{1,200}$")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class ResourceDescriptor(_Model):
    name: str | None = None
    uri: str | None = None
    digest: dict[str, str] | None = None
    mediaType: str | None = None  # noqa: N815 - the wire name


class Builder(_Model):
    id: str
    version: dict[str, str] | None = None


class BuildMetadata(_Model):
    invocationId: str | None = None  # noqa: N815
    startedOn: str | None = None  # noqa: N815
    finishedOn: str | None = None  # noqa: N815


class RunDetails(_Model):
    builder: Builder
    metadata: BuildMetadata | None = None


class BuildDefinition(_Model):
    buildType: str  # noqa: N815
    externalParameters: dict[str, Any]  # noqa: N815
    internalParameters: dict[str, Any] | None = None  # noqa: N815
    resolvedDependencies: list[ResourceDescriptor] = Field(default_factory=list)  # noqa: N815


class Provenance(_Model):
    buildDefinition: BuildDefinition  # noqa: N815
    runDetails: RunDetails  # noqa: N815


class Statement(_Model):
    type: str = Field(default=STATEMENT_TYPE, alias="_type")
    subject: list[ResourceDescriptor]
    predicateType: str = PREDICATE_TYPE  # noqa: N815
    predicate: Provenance


class BuildInputs(_Model):
    """What one build read, as the driver knows it."""

    root: Path
    server_name: str
    """The spec's ``name`` (``io.github.acme/notes``)."""
    version: str
    targets: tuple[str, ...]
    """The targets whose artifacts the statement names."""
    spec_file: Path | None
    interface_lock: Path | None
    dependency_locks: tuple[Path, ...] = ()
    repository: str | None = None
    """The spec's ``repository`` URL, when it declares one."""
    source_date_epoch: int


def build_provenance(
    subjects: Sequence[tuple[str, str]], inputs: BuildInputs, *, environ: Mapping[str, str] | None = None
) -> Statement:
    """The statement for ``subjects`` (file name, sha256 hex), in the order given."""
    from mcpship.pipeline.report import sha256_of

    env = os.environ if environ is None else environ
    dependencies = []
    commit = _git_commit(inputs.root)
    repository = _ci_repository(env) or inputs.repository
    if commit is not None:
        uri = f"git+{repository}@{commit}" if repository else None
        dependencies.append(ResourceDescriptor(name="source", uri=uri, digest={"gitCommit": commit}))
    files = [inputs.spec_file, inputs.interface_lock, *inputs.dependency_locks]
    for path in dict.fromkeys(path for path in files if path is not None and path.is_file()):
        name = _relative(path, inputs.root)
        dependencies.append(ResourceDescriptor(name=name, digest={"sha256": sha256_of(path)}))
    run_url = _ci_run_url(env)
    when = datetime.datetime.fromtimestamp(inputs.source_date_epoch, datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    attempt = env.get("GITHUB_RUN_ATTEMPT", "")
    invocation = f"{run_url}/attempts/{attempt}" if run_url and attempt.isdigit() else run_url
    return Statement(
        subject=[ResourceDescriptor(name=name, digest={"sha256": sha256}) for name, sha256 in subjects],
        predicate=Provenance(
            buildDefinition=BuildDefinition(
                buildType=BUILD_TYPE,
                externalParameters={
                    "name": inputs.server_name,
                    "version": inputs.version,
                    "targets": list(inputs.targets),
                    "spec": _relative(inputs.spec_file, inputs.root) if inputs.spec_file else None,
                    "sourceDateEpoch": inputs.source_date_epoch,
                },
                resolvedDependencies=dependencies,
            ),
            runDetails=RunDetails(
                builder=Builder(id=run_url or LOCAL_BUILDER, version={"mcpship": __version__}),
                # reproducible: the times are the build's SOURCE_DATE_EPOCH, not the clock's
                metadata=BuildMetadata(invocationId=invocation, startedOn=when, finishedOn=when),
            ),
        ),
    )


def render_provenance(statement: Statement) -> bytes:
    """RFC 8785 canonical JSON, newline-terminated (``null`` fields left out)."""
    document = statement.model_dump(mode="json", by_alias=True, exclude_none=True)
    return rfc8785.dumps(document) + b"\n"


def _git_commit(root: Path) -> str | None:
    try:
        completed = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    commit = completed.stdout.strip()
    return commit if completed.returncode == 0 and _GIT_COMMIT.match(commit) else None


def _ci_repository(env: Mapping[str, str]) -> str | None:
    server, repository = env.get("GITHUB_SERVER_URL", ""), env.get("GITHUB_REPOSITORY", "")
    if server.startswith("https://") and _SAFE_ENV.match(server) and _SAFE_ENV.match(repository):
        return f"{server.rstrip('/')}/{repository}"
    return None


def _ci_run_url(env: Mapping[str, str]) -> str | None:
    repository, run_id = _ci_repository(env), env.get("GITHUB_RUN_ID", "")
    return f"{repository}/actions/runs/{run_id}" if repository and run_id.isdigit() else None


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.name
