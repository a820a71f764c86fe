"""What the catalog targets (smithery, docker-catalog, toolhive) share: where their config lives, the
image reference, the source repository and commit, and writing their one file."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from mcpship._exceptions import BuildError
from mcpship._problems import Problem
from mcpship.targets._base import BuildContext

__all__ = [
    "config_problem",
    "config_table",
    "git_commit",
    "raise_on_errors",
    "repository_url",
    "resolve_image",
]

_COMMIT = re.compile(r"^[0-9a-f]{40}$")


def config_table(context: BuildContext, target: str) -> tuple[str, str]:
    """The file holding ``[targets.<target>]`` and the table's name there, as ``target_config()`` names them."""
    source = str(context.resolved.source or context.root / "mcpship.toml")
    prefix = "tool.mcpship." if source.endswith("pyproject.toml") else ""
    return source, f"{prefix}targets.{target}"


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
    """Where the ``oci`` image is pushed, as the ``registry`` target declares it (``oci_image``), when the
    image is built here: one declaration of the destination serves server.json and every catalog.

    An OCI layout in dist/ has a tag but no registry name, so without ``oci_image`` there is nothing to
    point at and the catalogs ask for ``image`` in their own config.
    """
    if "oci" not in context.built:
        return None
    declared = context.resolved.spec.targets.get("registry", {}).get("oci_image")
    if not isinstance(declared, str) or not declared:
        return None
    version = _built_image_version(context) or context.resolved.spec.version
    return declared.replace("{version}", version)


def repository_url(declared: str | None) -> str | None:
    """``git+https://…/repo.git``, ``git@github.com:o/r.git`` -> ``https://github.com/o/r``; None stays None."""
    if declared is None:
        return None
    url = declared.strip().removeprefix("git+")
    ssh = re.match(r"^(?:ssh://)?git@([^:/]+)[:/](.+)$", url)
    if ssh:
        url = f"https://{ssh.group(1)}/{ssh.group(2)}"
    return url.rstrip("/").removesuffix(".git")


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


def raise_on_errors(target: str, file_name: str, problems: Sequence[Problem]) -> None:
    """Refuse to write ``file_name`` while any problem is an error."""
    errors = [problem for problem in problems if problem.severity == "error"]
    if not errors:
        return
    lines = [f"{file_name} for {target} cannot be built ({len(errors)} problem(s)):"]
    for problem in errors:
        lines.append(f"  {problem.render()}")
        if problem.hint:
            lines.append(f"    hint: {problem.hint}")
    raise BuildError("\n".join(lines), hint=f"fix these in the spec or in [targets.{target}], then build again")
