"""What an artifact says about itself and holds: its name and version, declared requirements, and the Python
and Node packages bundled inside it (an MCPB bundle's ``server/lib`` or ``node_modules``, an OCI image's app
layer). Read from the built file, so the SBOM records what ships, not what the project meant to ship. Members are
bounded in count and size; a malformed archive is a :class:`BuildError` naming the file."""

from __future__ import annotations

import json
import re
import tarfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.parser import HeaderParser
from pathlib import Path
from typing import IO, Any

from packaging.utils import InvalidSdistFilename, InvalidWheelFilename, parse_sdist_filename, parse_wheel_filename

from mcpship._exceptions import BuildError
from mcpship.targets._base import Artifact

__all__ = ["ArtifactFacts", "BundledPackage", "read_artifact_facts"]

_MAX_MEMBERS = 500_000
_MAX_MEMBER_BYTES = 1 << 20
_MAX_NAME = 1024
_DIST_INFO_METADATA = re.compile(r"^(?:.*/)?[^/]+\.dist-info/METADATA$")
_NODE_PACKAGE = re.compile(r"^(?:.*?/)?(node_modules/(?:.*/node_modules/)?(?:@[^/]+/)?[^/@][^/]*)/package\.json$")
_BASE_NAME = "org.opencontainers.image.base.name"
_BASE_DIGEST = "org.opencontainers.image.base.digest"


@dataclass(frozen=True, order=True)
class BundledPackage:
    ecosystem: str
    name: str
    version: str
    path: str
    """Where it sits in the archive: ``node_modules/a/node_modules/b`` (a package-lock.json key) or the
    ``.dist-info`` folder."""


@dataclass(frozen=True)
class ArtifactFacts:
    name: str
    version: str
    requires_dist: tuple[str, ...] = ()
    bundled: tuple[BundledPackage, ...] = ()
    image_digest: str | None = None
    """An OCI image's manifest digest (``sha256:…``): what a registry names it by."""
    base_image: tuple[str, str] | None = None
    """An OCI image's base: (reference, manifest digest)."""
    extra: dict[str, str] = field(default_factory=dict)


def read_artifact_facts(artifact: Artifact, *, fallback_name: str) -> ArtifactFacts:
    """The facts of a wheel, sdist, npm tarball, MCPB bundle or OCI image; :class:`BuildError` if unreadable."""
    try:
        if artifact.kind == "wheel":
            return _wheel(artifact)
        if artifact.kind == "sdist":
            return _sdist(artifact)
        if artifact.kind == "npm":
            return _npm(artifact, fallback_name)
        if artifact.kind == "mcpb":
            return _mcpb(artifact, fallback_name)
        if artifact.kind == "oci":
            return _oci(artifact, fallback_name)
    except (OSError, zipfile.BadZipFile, tarfile.TarError, ValueError, KeyError, EOFError) as error:
        raise BuildError(
            f"cannot read {artifact.path} to list what it contains for its SBOM: {error}",
            hint="rebuild it with `mcpship build`; if it fails again, report the file to the mcpship issue tracker",
        ) from error
    return ArtifactFacts(name=fallback_name, version=artifact.version)


def _wheel(artifact: Artifact) -> ArtifactFacts:
    try:
        name, version, _, _ = parse_wheel_filename(artifact.path.name)
    except InvalidWheelFilename as error:
        raise ValueError(str(error)) from None
    requires: tuple[str, ...] = ()
    with zipfile.ZipFile(artifact.path) as archive:
        for info in archive.infolist()[:_MAX_MEMBERS]:
            parts = info.filename.split("/")
            if len(parts) == 2 and parts[0].endswith(".dist-info") and parts[1] == "METADATA":
                requires = _requires_dist(_read_zip(archive, info))
    return ArtifactFacts(name=str(name), version=str(version), requires_dist=requires)


def _sdist(artifact: Artifact) -> ArtifactFacts:
    try:
        name, version = parse_sdist_filename(artifact.path.name)
    except InvalidSdistFilename as error:
        raise ValueError(str(error)) from None
    requires: tuple[str, ...] = ()
    for member, handle in _tar_members(artifact.path, lambda m: m.count("/") == 1 and m.endswith("/PKG-INFO")):
        requires = _requires_dist(_read(handle, member))
    return ArtifactFacts(name=str(name), version=str(version), requires_dist=requires)


def _npm(artifact: Artifact, fallback_name: str) -> ArtifactFacts:
    package: dict[str, Any] = {}
    for member, handle in _tar_members(artifact.path, lambda m: m == "package/package.json"):
        package = _json_object(_read(handle, member))
    return ArtifactFacts(
        name=_text(package.get("name"), fallback_name), version=_text(package.get("version"), artifact.version)
    )


def _mcpb(artifact: Artifact, fallback_name: str) -> ArtifactFacts:
    manifest: dict[str, Any] = {}
    bundled: list[BundledPackage] = []
    with zipfile.ZipFile(artifact.path) as archive:
        for info in archive.infolist()[:_MAX_MEMBERS]:
            if info.filename == "manifest.json":
                manifest = _json_object(_read_zip(archive, info))
            elif _is_package_record(info.filename):
                with archive.open(info) as handle:
                    found = _bundled(info.filename, handle)
                bundled += [found] if found is not None else []
    return ArtifactFacts(
        name=_text(manifest.get("name"), fallback_name),
        version=_text(manifest.get("version"), artifact.version),
        bundled=tuple(sorted(bundled)),
    )


def _oci(artifact: Artifact, fallback_name: str) -> ArtifactFacts:
    with tarfile.open(artifact.path, mode="r:*") as outer:
        index = _json_object(_read(_extract(outer, "index.json"), "index.json"))
        descriptors = index.get("manifests")
        descriptor = descriptors[0] if isinstance(descriptors, list) and descriptors else {}
        digest = _text(descriptor.get("digest") if isinstance(descriptor, dict) else None, "")
        manifest = _json_object(_read(_extract(outer, _blob(digest)), digest))
        found_annotations, found_layers = manifest.get("annotations"), manifest.get("layers")
        annotations: dict[str, Any] = found_annotations if isinstance(found_annotations, dict) else {}
        layers: list[Any] = found_layers if isinstance(found_layers, list) else []
        bundled: list[BundledPackage] = []
        if layers and isinstance(layers[-1], dict):
            # mcpship adds one layer on the base: the app (its own code and dependencies under /app)
            with tarfile.open(fileobj=_extract(outer, _blob(_text(layers[-1].get("digest"), ""))), mode="r|*") as layer:
                for count, member in enumerate(layer):
                    if count >= _MAX_MEMBERS:
                        break
                    if member.isfile() and _is_package_record(member.name):
                        found = _bundled(member.name, layer.extractfile(member))
                        bundled += [found] if found is not None else []
    base_name, base_digest = annotations.get(_BASE_NAME), annotations.get(_BASE_DIGEST)
    base = (base_name, base_digest) if isinstance(base_name, str) and isinstance(base_digest, str) else None
    version = annotations.get("org.opencontainers.image.version")
    return ArtifactFacts(
        name=fallback_name,
        version=_text(version, artifact.version),
        bundled=tuple(sorted(bundled)),
        image_digest=digest or None,
        base_image=base,
    )


def _is_package_record(name: str) -> bool:
    # the suffix and length checks first: the patterns backtrack on long names of many folders
    if len(name) > _MAX_NAME or not name.endswith(("/package.json", ".dist-info/METADATA")):
        return False
    return bool(_DIST_INFO_METADATA.match(name) or _NODE_PACKAGE.match(name))


def _bundled(member: str, handle: IO[bytes] | None) -> BundledPackage | None:
    """The package a ``package.json`` or ``METADATA`` names; None when it names none (or is over the cap: a
    dependency's oversized file is skipped, not a failed build)."""
    data = handle.read(_MAX_MEMBER_BYTES + 1) if handle is not None else b""
    node = _NODE_PACKAGE.match(member)
    if node is not None:
        package = _json_object(data) if len(data) <= _MAX_MEMBER_BYTES else {}
        name, version = package.get("name"), package.get("version")
        if isinstance(name, str) and isinstance(version, str) and name and version:
            return BundledPackage(ecosystem="npm", name=name, version=version, path=node.group(1))
        return None
    # the headers come first: a long description past the cap is cut off, the name and version are not
    headers = HeaderParser().parsestr(data[:_MAX_MEMBER_BYTES].decode("utf-8", errors="replace"), headersonly=True)
    name, version = headers.get("Name"), headers.get("Version")
    if name and version:
        return BundledPackage(ecosystem="pypi", name=str(name), version=str(version), path=member.rsplit("/", 1)[0])
    return None


def _requires_dist(data: bytes) -> tuple[str, ...]:
    headers = HeaderParser().parsestr(data.decode("utf-8", errors="replace"), headersonly=True)
    return tuple(str(value) for value in headers.get_all("Requires-Dist") or [])


def _tar_members(path: Path, wanted: Any) -> Iterator[tuple[str, IO[bytes] | None]]:
    with tarfile.open(path, mode="r:*") as archive:
        for count, member in enumerate(archive):
            if count >= _MAX_MEMBERS:
                return
            if member.isfile() and wanted(member.name):
                yield member.name, archive.extractfile(member)


def _extract(archive: tarfile.TarFile, name: str) -> IO[bytes]:
    handle = archive.extractfile(archive.getmember(name))
    if handle is None:
        raise ValueError(f"{name} is not a file")
    return handle


def _blob(digest: str) -> str:
    algorithm, _, encoded = digest.partition(":")
    if algorithm != "sha256" or not re.fullmatch(r"[0-9a-f]{64}", encoded):
        raise ValueError(f"unexpected digest {digest[:80]!r} in the image's index or manifest")
    return f"blobs/sha256/{encoded}"


def _read_zip(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    with archive.open(info) as handle:
        return _read(handle, info.filename)


def _read(handle: IO[bytes] | None, name: str) -> bytes:
    if handle is None:
        raise ValueError(f"{name} is not a file")
    data = handle.read(_MAX_MEMBER_BYTES + 1)
    if len(data) > _MAX_MEMBER_BYTES:
        raise ValueError(f"{name} is larger than {_MAX_MEMBER_BYTES} bytes")
    return data


def _json_object(data: bytes) -> dict[str, Any]:
    try:
        value = json.loads(data)
    except (ValueError, RecursionError):
        return {}
    return value if isinstance(value, dict) else {}


def _text(value: object, default: str) -> str:
    return value if isinstance(value, str) and value else default
