"""``mcpship validate``: recognise what a file is and check it by its own rules.

server.json (official registry rules), an MCPB ``manifest.json`` (its schema version's rules), a ``.mcpb``
bundle (manifest, contents, signature), ``mcpship.toml`` / ``pyproject.toml`` (the spec), a CycloneDX JSON SBOM
(its ``specVersion``'s strict schema, by cyclonedx-python-lib).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from mcpship._exceptions import InvalidArtifactError, SpecError
from mcpship._problems import Problem
from mcpship._safe_load import read_json_file

__all__ = ["FileKind", "detect_kind", "validate_paths"]

FileKind = Literal["server.json", "mcpb-manifest", "mcpb-bundle", "spec", "cyclonedx-sbom"]

if TYPE_CHECKING:
    from mcpship.targets.mcpb.archive import BundleLimits


def detect_kind(path: Path) -> tuple[FileKind | None, Any]:
    """What ``path`` is, and its parsed JSON when it is JSON (None, reason) when it cannot be told.

    A file that is no JSON at all (binary, not UTF-8, too large or too deep) raises :class:`InvalidArtifactError`."""
    if path.is_dir():
        if (path / "manifest.json").is_file():
            return detect_kind(path / "manifest.json")
        return "spec", None
    if path.suffix in (".mcpb", ".dxt"):
        return "mcpb-bundle", None
    if path.name in ("mcpship.toml", "pyproject.toml"):
        return "spec", None
    data = read_json_file(path, error=InvalidArtifactError)
    if isinstance(data, dict):
        schema = str(data.get("$schema", ""))
        if "server.schema" in schema or ("name" in data and ("packages" in data or "remotes" in data)):
            return "server.json", data
        if data.get("bomFormat") == "CycloneDX":
            return "cyclonedx-sbom", data
        server = data.get("server")
        if (
            "manifest_version" in data
            or "dxt_version" in data
            or (isinstance(server, dict) and "entry_point" in server)
        ):
            return "mcpb-manifest", data
    return None, data


def validate_paths(
    paths: Sequence[Path | str], *, require_signature: bool = False, bundle_limits: BundleLimits | None = None
) -> list[Problem]:
    """Every problem in every file (errors and warnings); an empty list means all are valid.

    ``bundle_limits`` replaces what a ``.mcpb`` may unpack to (default:
    :class:`~mcpship.targets.mcpb.archive.BundleLimits`)."""
    problems: list[Problem] = []
    for raw in paths:
        path = Path(raw)
        problems.extend(_validate_one(path, require_signature=require_signature, bundle_limits=bundle_limits))
    return problems


def _validate_one(path: Path, *, require_signature: bool, bundle_limits: BundleLimits | None) -> list[Problem]:
    if not path.exists():
        return [Problem(file=str(path), path="$", message="no such file or folder")]
    try:
        kind, data = detect_kind(path)
    except InvalidArtifactError as error:
        return [Problem(file=str(path), path="$", message=error.message.removeprefix(f"{path}: "), hint=error.hint)]
    if kind == "server.json":
        from mcpship.server_json.rules import validate_server_json

        return validate_server_json(data, source=str(path))
    if kind == "mcpb-manifest":
        from mcpship.validate.mcpb import validate_manifest

        return validate_manifest(data, source=str(path))
    if kind == "mcpb-bundle":
        from mcpship.validate.mcpb import validate_bundle

        return validate_bundle(path, require_signature=require_signature, limits=bundle_limits)
    if kind == "spec":
        return _validate_spec(path)
    if kind == "cyclonedx-sbom":
        from mcpship.security.sbom import sbom_problems

        return sbom_problems(data, source=str(path))
    return [
        Problem(
            file=str(path),
            path="$",
            message="cannot tell what this file is (not a server.json, an MCPB manifest, a .mcpb bundle, a spec or"
            " a CycloneDX SBOM)",
            hint='server.json needs "$schema" and "name"; an MCPB manifest needs "manifest_version"',
        )
    ]


def _validate_spec(path: Path) -> list[Problem]:
    from mcpship.spec import load_spec
    from mcpship.spec.names import refuse_placeholder_name

    directory = path if path.is_dir() else path.parent
    try:
        resolved = load_spec(directory)
        refuse_placeholder_name(resolved.spec.name, root=resolved.root, source=resolved.source)
    except SpecError as error:
        return [
            Problem(file=str(path), path="spec", message=line, hint=error.hint) for line in error.message.splitlines()
        ]
    return []
