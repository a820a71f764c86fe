"""What the catalog targets (smithery, docker-catalog, toolhive) share: one life cycle (compose the document,
validate it by the catalog's rules, dump it; verify validates the written file again), where their config
lives, the image reference, the source repository and commit."""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import BaseModel

from mcpship import _forges
from mcpship._atomic import write_text_atomic
from mcpship._exceptions import BuildError, InvalidArtifactError
from mcpship._problems import Problem
from mcpship.targets._base import Artifact, BuildContext, BuiltFile, config_location

if TYPE_CHECKING:
    from mcpship.verify.context import VerifyContext
    from mcpship.verify.result import VerifyResult

__all__ = [
    "CatalogTarget",
    "config_problem",
    "config_table",
    "git_commit",
    "raise_on_errors",
    "repository_url",
    "resolve_image",
]

_COMMIT = re.compile(r"^[0-9a-f]{40}$")


class CatalogTarget:
    """One catalog file from the spec: :meth:`compose` it, :meth:`validate` it by the catalog's rules, :meth:`dump`
    it; ``mcpship verify`` reads the written file back (:meth:`parse`) and validates it again, so a file edited
    or damaged after the build is caught before it is submitted."""

    name: ClassVar[str]
    config_class: ClassVar[type[BaseModel]]
    needs: ClassVar[tuple[str, ...]] = ()
    file_name: ClassVar[str]
    """The file written into dist/ (``smithery.yaml``)."""
    kind: ClassVar[str]
    """The artifact kind recorded for it."""
    rules: ClassVar[str]
    """Whose rules :meth:`validate` applies, as the verify table shows it."""

    def compose(self, context: BuildContext) -> tuple[dict[str, Any] | None, list[Problem]]:
        """The document (None when it cannot be composed) and the problems of the config and the spec."""
        raise NotImplementedError

    def validate(self, data: object, *, source: str) -> list[Problem]:
        """Problems in a decoded document, by the catalog's own rules."""
        raise NotImplementedError

    def dump(self, document: dict[str, Any]) -> str:
        from mcpship.targets._yaml import dump_yaml

        return dump_yaml(document)

    def parse(self, path: Path) -> object:
        from mcpship.targets._yaml import load_yaml

        return load_yaml(path)

    def not_applicable(self, context: BuildContext) -> str | None:
        return None  # any server that runs from a container can be listed

    def check(self, context: BuildContext) -> list[Problem]:
        return self.prepare(context)[1]

    def prepare(self, context: BuildContext) -> tuple[dict[str, Any] | None, list[Problem]]:
        """compose, then validate; a config error is reported once, with its fix, not again by the validator."""
        document, problems = self.compose(context)
        if document is not None and not any(problem.severity == "error" for problem in problems):
            problems += self.validate(document, source=self.file_name)
        return document, problems

    def build(self, context: BuildContext) -> list[BuiltFile]:
        document, problems = self.prepare(context)
        raise_on_errors(self.name, self.file_name, problems, config_location(context.resolved, self.name)[1])
        if document is None:  # compose gives no document only with an error, which raised above
            raise BuildError(f"{self.file_name} could not be composed", hint=f"check [targets.{self.name}]")
        for warning in problems:
            context.reporter.warn(warning.render())
        path = context.staging / self.file_name
        write_text_atomic(path, self.dump(document))
        return [BuiltFile(self.kind, path)]

    def verify(self, artifact: Artifact, context: VerifyContext) -> VerifyResult:
        from mcpship.verify.result import VerifyResult

        started = time.perf_counter()
        try:
            data = self.parse(artifact.path)
        except InvalidArtifactError as error:
            return VerifyResult(artifact=artifact, how=self.rules, status="failed", detail=error.message)
        errors = [p for p in self.validate(data, source=str(artifact.path)) if p.severity == "error"]
        seconds = time.perf_counter() - started
        if errors:
            detail = "; ".join(f"{p.path}: {p.message}" for p in errors)
            return VerifyResult(artifact=artifact, how=self.rules, status="failed", seconds=seconds, detail=detail)
        return VerifyResult(
            artifact=artifact, how=self.rules, status="ok", seconds=seconds, detail=f"valid {self.file_name}"
        )


def config_table(context: BuildContext, target: str) -> tuple[str, str]:
    """The file holding ``[targets.<target>]`` and the table's name there, as ``target_config()`` names them."""
    return config_location(context.resolved, target)


def config_problem(
    context: BuildContext,
    target: str,
    key: str,
    message: str,
    hint: str,
    severity: Literal["error", "warning"] = "error",
) -> Problem:
    source, table = config_table(context, target)
    return Problem(file=source, path=f"[{table}].{key}", message=message, hint=hint, severity=severity)


def resolve_image(context: BuildContext, configured: str | None) -> str | None:
    """The image reference catalogs point at: ``image`` from the config with ``{version}`` filled in; a
    reference without tag or digest gets the built image's version (else the spec's) as its tag."""
    if configured is None:
        return _image_from_built(context)
    version = _built_image_version(context) or context.resolved.spec.version
    reference = configured.replace("{version}", version)
    last = reference.rsplit("/", 1)[-1]
    if "@" not in reference and ":" not in last:
        reference += ":" + version
    return reference


def _built_image_version(context: BuildContext) -> str | None:
    versions = sorted({artifact.version for artifact in context.built.get("oci", ())})
    return versions[0] if len(versions) == 1 else None


def _image_from_built(context: BuildContext) -> str | None:
    """Where the ``oci`` image is pushed, as the ``server-json`` target declares it (``oci_image``), when the
    image is built here: one declaration of the destination serves server.json and every catalog.

    An OCI layout in dist/ has a tag but no registry name, so without ``oci_image`` there is nothing to
    point at and the catalogs ask for ``image`` in their own config.
    """
    if "oci" not in context.built:
        return None
    declared = context.resolved.spec.targets.get("server-json", {}).get("oci_image")
    if not isinstance(declared, str) or not declared:
        return None
    version = _built_image_version(context) or context.resolved.spec.version
    return declared.replace("{version}", version)


def repository_url(declared: str | None) -> str | None:
    """``git+https://…/repo.git``, ``git@github.com:o/r.git`` -> ``https://github.com/o/r``; None stays None."""
    return None if declared is None else _forges.repository_url(declared)


def git_commit(root: Path) -> str | None:
    """The commit checked out at ``root`` (40 lowercase hex digits), or None outside a git checkout."""
    try:
        result = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    commit = result.stdout.strip().lower()
    return commit if result.returncode == 0 and _COMMIT.fullmatch(commit) else None


def raise_on_errors(target: str, file_name: str, problems: Sequence[Problem], table: str | None = None) -> None:
    """Refuse to write ``file_name`` while any problem is an error."""
    errors = [problem for problem in problems if problem.severity == "error"]
    if not errors:
        return
    lines = [f"{file_name} for {target} cannot be built ({len(errors)} problem(s)):"]
    for problem in errors:
        lines.append(f"  {problem.render()}")
        if problem.hint:
            lines.append(f"    hint: {problem.hint}")
    raise BuildError(
        "\n".join(lines), hint=f"fix these in the spec or in [{table or 'targets.' + target}], then build again"
    )
