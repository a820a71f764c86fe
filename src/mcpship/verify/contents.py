"""No artifact contains another: an archive member that is one of the report's other artifacts (by name or by
content digest), a build report, or a file shaped like an mcpship artifact (``*.mcpb``, ``*.whl``, ``*.tgz``, ...)
in the project's own files (dependency trees such as ``node_modules/`` may legitimately ship archives)."""

from __future__ import annotations

import hashlib
import tarfile
import zipfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import PurePosixPath
from typing import IO

from mcpship.targets._base import Artifact
from mcpship.targets._outputs import REPORT_FILE, SUMS_FILE, is_artifact_name
from mcpship.verify.result import VerifyResult

__all__ = ["HOW", "nested_outputs", "verify_contents"]

HOW = "its files (no artifact inside another)"
_ZIPS = ("wheel", "mcpb")
_TARS = ("npm", "sdist", "oci")
_MAX_MEMBERS = 500_000
_Opener = Callable[[], "IO[bytes] | None"]


def verify_contents(artifact: Artifact, everything: Sequence[Artifact]) -> VerifyResult | None:
    """A failed row when ``artifact`` holds mcpship outputs; None when it holds none (or is not an archive)."""
    found = nested_outputs(artifact, everything)
    if not found:
        return None
    shown = "; ".join(found[:5]) + (f"; and {len(found) - 5} more" if len(found) > 5 else "")
    return VerifyResult(
        artifact=artifact, how=HOW, status="failed", detail=f"it holds mcpship's own build outputs: {shown}"
    )


def nested_outputs(artifact: Artifact, everything: Sequence[Artifact]) -> list[str]:
    """Each member of ``artifact`` that is an mcpship output, with why (``package/dist/x.tgz (same bytes as ...)``)."""
    others = [other for other in everything if other.path != artifact.path]
    by_name = {other.path.name: other for other in others}
    by_digest = {other.sha256: other for other in others}
    sizes = {other.size for other in others}
    found: list[str] = []
    for name, size, opener in _members(artifact):
        base = PurePosixPath(name).name
        reason = None
        if base in by_name:
            reason = f"named like the {by_name[base].kind} artifact {base}"
        elif size in sizes and (digest := _sha256(opener())) in by_digest:
            reason = f"the same bytes as {by_digest[digest].path.name}"
        elif base in (REPORT_FILE, SUMS_FILE):
            reason = "a build report"
        elif is_artifact_name(base) and not _in_dependencies(artifact.kind, name):
            reason = "an artifact file"
        if reason is not None:
            found.append(f"{name} ({reason})")
    return found


def _members(artifact: Artifact) -> Iterator[tuple[str, int, _Opener]]:
    if artifact.kind in _ZIPS:
        with zipfile.ZipFile(artifact.path) as archive:
            for count, info in enumerate(archive.infolist()):
                if count >= _MAX_MEMBERS:
                    return
                if not info.is_dir():
                    yield info.filename, info.file_size, _zip_opener(archive, info)
    elif artifact.kind in _TARS:
        with tarfile.open(artifact.path, mode="r:*") as archive:
            for count, member in enumerate(archive):
                if count >= _MAX_MEMBERS:
                    return
                if member.isfile():
                    yield member.name, member.size, _tar_opener(archive, member)


def _zip_opener(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> _Opener:
    return lambda: archive.open(info)


def _tar_opener(archive: tarfile.TarFile, member: tarfile.TarInfo) -> _Opener:
    return lambda: archive.extractfile(member)


def _sha256(handle: IO[bytes] | None) -> str:
    digest = hashlib.sha256()
    if handle is not None:
        with handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def _in_dependencies(kind: str, name: str) -> bool:
    """Inside a dependency tree: ``node_modules/`` anywhere, or the vendored Python libraries of a bundle."""
    return "node_modules" in PurePosixPath(name).parts or (kind == "mcpb" and name.startswith("server/lib/"))
