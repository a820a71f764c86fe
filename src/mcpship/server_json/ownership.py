"""Check locally built artifacts for the proofs the MCP Registry fetches at publish time (registry.md §2.5, §6.7).

Upstream only looks after the package is published, and a missing marker then costs a new release. Here:
a wheel/sdist's long description contains ``mcp-name: <name>`` (PyPI), an npm tarball's package.json has
``"mcpName": "<name>"``, and an mcpb package's ``fileSha256`` is the bundle's real hash. OCI labels: later.
"""

from __future__ import annotations

import re
import tarfile
from collections.abc import Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from mcpship._problems import Problem, json_path
from mcpship.server_json._artifact_files import archived_json, read_npm_manifest, read_python_metadata
from mcpship.server_json._findings import Node, nodes, text
from mcpship.server_json.model import ServerJSON

if TYPE_CHECKING:
    from mcpship.targets._base import Artifact

__all__ = ["check_ownership_markers"]


def check_ownership_markers(
    server: ServerJSON | Mapping[str, Any], artifacts: Sequence[Artifact], *, source: str
) -> list[Problem]:
    """Problems with the artifacts that back ``server``'s packages; ``source`` names the server.json."""
    document: Node = server.to_wire() if isinstance(server, ServerJSON) else server
    problems: list[Problem] = []
    bundles = [artifact for artifact in artifacts if artifact.path.name.endswith(".mcpb")]
    for artifact in artifacts:
        filename = artifact.path.name
        if filename.endswith((".whl", ".tar.gz")):
            problems += _python_problems(document, artifact, source)
        elif filename.endswith(".tgz"):
            problems += _npm_problems(document, artifact)
        elif filename.endswith(".mcpb"):
            problems += _bundle_problems(document, artifact, len(bundles), source)
        elif filename.endswith(".oci.tar"):
            problems += _image_problems(document, artifact)
    return list(dict.fromkeys(problems))  # a wheel and its sdist report a mismatched identifier once


def _python_problems(document: Node, artifact: Artifact, source: str) -> list[Problem]:
    name = text(document, "name")
    try:
        metadata = read_python_metadata(artifact.path)
    except (OSError, ValueError) as exc:
        return [_unreadable(artifact, exc)]
    problems = []
    marker = f"mcp-name: {name}"
    if marker not in metadata.description:
        problems.append(
            Problem(
                file=f"{artifact.path}!{metadata.member}",
                path="Description",
                message=f'the long description (README) lacks "{marker}": the MCP Registry refuses the pypi package'
                " without it, and adding it later takes a new release",
                hint=f"add the line <!-- {marker} --> to the README that pyproject.toml names (invisible on PyPI),"
                " then build again (or build with --fix)",
            )
        )
    problems += _pypi_package_problems(document, metadata.name, metadata.version, source)
    return problems


def _pypi_package_problems(document: Node, project: str, version: str, source: str) -> list[Problem]:
    pypi = _packages_of_type(document, "pypi")
    if not pypi:
        return []
    for index, package in pypi:
        if _normalize(text(package, "identifier")) != _normalize(project):
            continue
        if text(package, "version") == version:
            return []
        return [
            Problem(
                file=source,
                path=json_path("packages", index, "version"),
                message=f'version "{text(package, "version")}" differs from the built {project} {version}',
                hint="build server.json together with the pypi target so both carry the same version",
            )
        ]
    index, package = pypi[0]
    return [
        Problem(
            file=source,
            path=json_path("packages", index, "identifier"),
            message=f'identifier "{text(package, "identifier")}" is not the built project "{project}"',
            hint=f'set identifier to "{project}": the registry proves ownership from that project\'s PyPI page',
        )
    ]


def _normalize(project: str) -> str:
    return re.sub(r"[-_.]+", "-", project).lower()  # PEP 503: PyPI treats these names as one


def _npm_problems(document: Node, artifact: Artifact) -> list[Problem]:
    name = text(document, "name")
    try:
        member, manifest = read_npm_manifest(artifact.path)
    except (OSError, ValueError) as exc:
        return [_unreadable(artifact, exc)]
    declared = manifest.get("mcpName")
    if declared == name:
        return []
    found = "has no mcpName" if declared is None else f'has mcpName "{declared}"'
    return [
        Problem(
            file=f"{artifact.path}!{member}",
            path=json_path("mcpName"),
            message=f'package.json {found}; the MCP Registry needs "{name}" there to accept the npm package',
            hint=f'set "mcpName": "{name}" in package.json and build again',
        )
    ]


_IMAGE_LABEL = "io.modelcontextprotocol.server.name"


def _image_problems(document: Node, artifact: Artifact) -> list[Problem]:
    """The registry reads this label from the pushed image; it must equal the server's name."""
    name = text(document, "name")
    try:
        labels = _image_labels(artifact.path)
    except (OSError, ValueError, KeyError, tarfile.TarError) as exc:
        return [_unreadable(artifact, exc)]
    if labels.get(_IMAGE_LABEL) == name:
        return []
    found = labels.get(_IMAGE_LABEL)
    return [
        Problem(
            file=f"{artifact.path}!config",
            path=f"Labels[{_IMAGE_LABEL}]",
            message=f"the image's label is {found!r}; the MCP Registry needs {name!r} to accept the oci package",
            hint=f'LABEL {_IMAGE_LABEL}="{name}" (the oci target sets it from the spec\'s name)',
        )
    ]


def _image_labels(archive: Path) -> dict[str, str]:
    """Labels of the image an OCI layout archive's index points at."""
    with tarfile.open(archive) as layout:

        def blob(digest: str) -> Any:
            handle = layout.extractfile("blobs/" + digest.replace(":", "/", 1))
            if handle is None:
                raise KeyError(digest)
            return archived_json(handle, f"{archive.name}!{digest}")

        index_file = layout.extractfile("index.json")
        if index_file is None:
            raise KeyError("index.json")
        index = archived_json(index_file, f"{archive.name}!index.json")
        manifest = blob(index["manifests"][0]["digest"])
        labels = blob(manifest["config"]["digest"]).get("config", {}).get("Labels") or {}
    return {str(key): str(value) for key, value in labels.items()}


def _bundle_problems(document: Node, artifact: Artifact, bundle_count: int, source: str) -> list[Problem]:
    candidates = _packages_of_type(document, "mcpb")
    matches = [pair for pair in candidates if _url_filename(text(pair[1], "identifier")) == artifact.path.name]
    if not matches and len(candidates) == 1 and bundle_count == 1:
        matches = candidates  # one bundle, one package: a renamed download is still this bundle
    if not matches:
        return [
            Problem(
                file=source,
                path=json_path("packages"),
                message=f"no mcpb package points at the built bundle {artifact.path.name}",
                hint="build the registry target together with mcpb so server.json lists every bundle",
                severity="warning",
            )
        ]
    index, package = matches[0]
    declared = text(package, "fileSha256")
    if declared == artifact.sha256:
        return []
    return [
        Problem(
            file=source,
            path=json_path("packages", index, "fileSha256"),
            message=f"fileSha256 {declared or '(missing)'} is not the SHA-256 of {artifact.path.name}"
            f" ({artifact.sha256}); clients will refuse the download",
            hint="build server.json after the bundle (mcpship build does), or set fileSha256 to the value above",
        )
    ]


def _packages_of_type(document: Node, registry_type: str) -> list[tuple[int, Node]]:
    packages = nodes(document, "packages")
    return [(index, package) for index, package in packages if package.get("registryType") == registry_type]


def _url_filename(url: str) -> str:
    return PurePosixPath(url.split("?", 1)[0].split("#", 1)[0]).name


def _unreadable(artifact: Artifact, exc: Exception) -> Problem:
    return Problem(
        file=str(artifact.path),
        path="$",
        message=f"cannot read the package metadata: {exc}",
        hint="build the artifact again; it may be truncated or not what its name says",
    )
