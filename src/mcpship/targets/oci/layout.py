"""OCI image layouts on disk (``oci-layout``, ``index.json``, ``blobs/sha256/…``): reading a base image from
one, writing a new one, and packing it into a reproducible tarball (what ``skopeo``'s ``oci-archive:`` reads).

JSON documents are written canonically (sorted keys, no spaces), so the same content gives the same digest.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mcpship._exceptions import BuildError
from mcpship._safe_load import read_json_file

__all__ = [
    "CONFIG_MEDIA_TYPE",
    "INDEX_MEDIA_TYPE",
    "MANIFEST_MEDIA_TYPE",
    "BaseImage",
    "LayoutWriter",
    "canonical_json",
    "extract_layout_tar",
    "oci_layer_descriptors",
    "pack_layout_tar",
    "read_base_layout",
]

MANIFEST_MEDIA_TYPE = "application/vnd.oci.image.manifest.v1+json"
INDEX_MEDIA_TYPE = "application/vnd.oci.image.index.v1+json"
CONFIG_MEDIA_TYPE = "application/vnd.oci.image.config.v1+json"
REF_NAME = "org.opencontainers.image.ref.name"
_MANIFEST_TYPES = (MANIFEST_MEDIA_TYPE, "application/vnd.docker.distribution.manifest.v2+json")
_INDEX_TYPES = (INDEX_MEDIA_TYPE, "application/vnd.docker.distribution.manifest.list.v2+json")
# Docker's layer types name the same bytes; an OCI manifest must use the OCI names.
_LAYER_TYPES = {
    "application/vnd.docker.image.rootfs.diff.tar.gzip": "application/vnd.oci.image.layer.v1.tar+gzip",
    "application/vnd.docker.image.rootfs.diff.tar": "application/vnd.oci.image.layer.v1.tar",
}
_ARCHES = {"x86_64": "amd64", "aarch64": "arm64"}
# The OCI digest grammar's registered algorithms: letters and digits only, so a digest never leaves blobs/.
_DIGEST = re.compile(r"sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128}")


def canonical_json(document: object) -> bytes:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class BaseImage:
    """One image of an OCI layout, as the new image builds on it."""

    layout: Path
    manifest_digest: str
    config: dict[str, Any]
    layers: tuple[dict[str, Any], ...]
    """The manifest's layer descriptors, media types in their OCI names."""
    reference: str
    """How it was named (``path:tag``), for the ``org.opencontainers.image.base.name`` annotation."""

    @property
    def architecture(self) -> str:
        return str(self.config.get("architecture", "amd64"))

    def blob(self, digest: str) -> Path:
        algorithm, _, hexdigest = digest.partition(":")
        path = self.layout / "blobs" / algorithm / hexdigest
        if not _DIGEST.fullmatch(digest) or not path.is_file():
            raise BuildError(
                f"the base image layout {self.layout} lacks the blob {digest}",
                hint="copy the whole image into the layout again (skopeo copy docker://IMAGE oci:DIR:TAG)",
            )
        return path


def read_base_layout(layout: Path, tag: str | None = None, *, architecture: str | None = None) -> BaseImage:
    """The image tagged ``tag`` (or the only one) in the layout at ``layout``; a multi-platform index gives its
    Linux image for ``architecture`` (default amd64)."""
    try:
        return _read_base_layout(layout, tag, architecture)
    except (KeyError, TypeError, AttributeError) as exc:  # a document of the wrong shape
        raise BuildError(
            f"{layout}: not a valid OCI image layout ({type(exc).__name__}: {exc})",
            hint="copy the image into the layout again (skopeo copy docker://IMAGE oci:DIR:TAG)",
        ) from exc


def _read_base_layout(layout: Path, tag: str | None, architecture: str | None) -> BaseImage:
    index_file = layout / "index.json"
    hint = "make one with `skopeo copy docker://python:3.12-slim oci:DIR:TAG`, then set base_layout = 'DIR'"
    if not index_file.is_file():
        raise BuildError(f"{layout} is not an OCI image layout (no index.json)", hint=hint)
    index = _read_json(index_file)
    manifests = [m for m in index.get("manifests", []) if isinstance(m, dict)]
    if tag is not None:
        manifests = [m for m in manifests if m.get("annotations", {}).get(REF_NAME) == tag]
    if len(manifests) != 1:
        names = sorted(str(m.get("annotations", {}).get(REF_NAME)) for m in index.get("manifests", []))
        wanted = f"the tag {tag!r}" if tag else "exactly one image"
        raise BuildError(
            f"{layout}: expected {wanted} in index.json, found {len(manifests)} (tags: {', '.join(names) or 'none'})",
            hint="set base_tag under [targets.oci] to the tag of the image to build on",
        )
    descriptor = manifests[0]
    arch = _ARCHES.get(architecture or "amd64", architecture or "amd64")
    while descriptor.get("mediaType") in _INDEX_TYPES:
        nested = _read_json(_blob_path(layout, descriptor))
        matches = [
            m
            for m in nested.get("manifests", [])
            if m.get("platform", {}).get("os") == "linux" and m.get("platform", {}).get("architecture") == arch
        ]
        if not matches:
            raise BuildError(f"{layout}: the base image has no linux/{arch} variant", hint=hint)
        descriptor = matches[0]
    if descriptor.get("mediaType") not in _MANIFEST_TYPES:
        raise BuildError(f"{layout}: unsupported manifest media type {descriptor.get('mediaType')!r}", hint=hint)
    manifest = _read_json(_blob_path(layout, descriptor))
    config = _read_json(_blob_path(layout, manifest["config"]))
    layers = oci_layer_descriptors(manifest["layers"])
    return BaseImage(
        layout=layout,
        manifest_digest=str(descriptor["digest"]),
        config=config,
        layers=layers,
        reference=f"{layout.name}:{tag}" if tag else layout.name,
    )


def oci_layer_descriptors(layers: list[dict[str, Any]]) -> tuple[dict[str, Any], ...]:
    """A manifest's layer descriptors with Docker's media types given their OCI names (same bytes)."""
    return tuple({**d, "mediaType": _LAYER_TYPES.get(d["mediaType"], d["mediaType"])} for d in layers)


def _blob_path(layout: Path, descriptor: dict[str, Any]) -> Path:
    digest = str(descriptor.get("digest", ""))
    algorithm, _, hexdigest = digest.partition(":")
    path = layout / "blobs" / algorithm / hexdigest
    if not _DIGEST.fullmatch(digest) or not path.is_file():  # the pattern keeps the path inside blobs/
        raise BuildError(f"{layout}: the blob {descriptor.get('digest')!r} is missing", hint="copy the image again")
    return path


def _read_json(path: Path) -> dict[str, Any]:
    document = read_json_file(path, error=BuildError)
    if not isinstance(document, dict):
        raise BuildError(f"{path}: expected a JSON object")
    return document


class LayoutWriter:
    """Writes blobs into a fresh layout folder and finally its ``index.json``."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._blobs = directory / "blobs" / "sha256"
        self._blobs.mkdir(parents=True, exist_ok=True)
        (directory / "oci-layout").write_bytes(canonical_json({"imageLayoutVersion": "1.0.0"}))

    def add_bytes(self, data: bytes, media_type: str) -> dict[str, Any]:
        digest = _sha256(data)
        (self._blobs / digest.removeprefix("sha256:")).write_bytes(data)
        return {"mediaType": media_type, "digest": digest, "size": len(data)}

    def add_file(self, source: Path, digest: str) -> None:
        target = self._blobs / digest.removeprefix("sha256:")
        if not target.exists():
            shutil.copyfile(source, target)

    def write_index(self, manifest: dict[str, Any], annotations: dict[str, str]) -> None:
        descriptor = {**manifest, "annotations": annotations}
        index = {"schemaVersion": 2, "mediaType": INDEX_MEDIA_TYPE, "manifests": [descriptor]}
        (self.directory / "index.json").write_bytes(canonical_json(index))


def pack_layout_tar(directory: Path, destination: Path, *, epoch: int) -> None:
    """Tar a layout folder reproducibly (sorted, 0:0, fixed modes and time; uncompressed: the blobs already are)."""
    names = sorted(str(p.relative_to(directory)) for p in directory.rglob("*"))
    partial = destination.with_name(destination.name + ".partial")
    with tarfile.open(partial, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for name in names:
            path = directory / name
            info = tarfile.TarInfo(name)
            info.mtime = epoch
            if path.is_dir():
                info.type, info.mode = tarfile.DIRTYPE, 0o755
                archive.addfile(info)
            else:
                info.size, info.mode = path.stat().st_size, 0o644
                with path.open("rb") as handle:
                    archive.addfile(info, handle)
    partial.replace(destination)


def extract_layout_tar(archive_path: Path, directory: Path) -> Path:
    """Unpack an ``.oci.tar`` into ``directory`` (regular files and folders only) and return it."""
    with tarfile.open(archive_path) as archive:
        archive.extractall(directory, filter="data")
    if not (directory / "index.json").is_file():
        raise BuildError(f"{archive_path} is not an OCI layout tarball (no index.json)")
    return directory
