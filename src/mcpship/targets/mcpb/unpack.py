"""Unpack a bundle safely: strip a trailing signature block, refuse entries that would land outside the
destination (``../``, absolute or drive paths, backslashes, symlinks pointing out, device files), and
extract into a temporary sibling folder that is renamed into place only when everything succeeded."""

from __future__ import annotations

import io
import posixpath
import re
import shutil
import stat
import tempfile
import zipfile
import zlib
from pathlib import Path

from mcpship._exceptions import InvalidArtifactError
from mcpship.targets.mcpb.signing import split_signature

__all__ = ["MAX_UNPACKED_BYTES", "open_bundle", "unpack_bundle", "unsafe_entries"]

MAX_UNPACKED_BYTES = 4 * 1024**3
"""A zip bomb guard: more than this many bytes unpacked is refused."""
_DRIVE = re.compile(r"^[A-Za-z]:")
_CHUNK = 1024 * 1024


def open_bundle(path: Path) -> zipfile.ZipFile:
    """The bundle's zip part (signature block stripped); :class:`InvalidArtifactError` if it is not one."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InvalidArtifactError(f"{path}: cannot read it: {exc.strerror}") from exc
    content = split_signature(data).content
    try:
        return zipfile.ZipFile(io.BytesIO(content))
    except zipfile.BadZipFile as exc:
        raise InvalidArtifactError(f"{path}: not a zip archive ({exc})", hint="an .mcpb bundle is a zip file") from None


def unsafe_entries(archive: zipfile.ZipFile) -> list[tuple[str, str]]:
    """``(entry name, reason)`` for every entry that could write outside the folder it is unpacked into."""
    problems: list[tuple[str, str]] = []
    seen: set[str] = set()
    for info in archive.infolist():
        name = info.filename
        reason = _unsafe_name(name)
        if reason is None and name in seen:
            reason = "appears twice; which copy wins would depend on the unpacker"
        if reason is None:
            reason = _unsafe_type(archive, info)
        if reason is not None:
            problems.append((name, reason))
        seen.add(name)
    return problems


def _unsafe_name(name: str) -> str | None:
    if not name or "\x00" in name:
        return "has an empty name or a NUL byte"
    if "\\" in name:
        return "uses backslashes, which are folder separators on Windows"
    if name.startswith("/") or _DRIVE.match(name):
        return "is an absolute path"
    if ".." in name.split("/"):
        return "climbs out with '..' (zip slip)"
    return None


def _unsafe_type(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> str | None:
    mode = info.external_attr >> 16
    # Many packers (the official CLI, Python's writestr) store permission bits without a file type: a file.
    if info.create_system != 3 or stat.S_IFMT(mode) in (0, stat.S_IFREG, stat.S_IFDIR):
        return None
    if stat.S_ISLNK(mode):
        target = archive.read(info).decode("utf-8", errors="replace")
        if target.startswith("/") or _DRIVE.match(target) or "\\" in target:
            return f"is a symlink to the absolute path {target!r}"
        resolved = posixpath.normpath(posixpath.join(posixpath.dirname(info.filename.rstrip("/")), target))
        if resolved == ".." or resolved.startswith("../"):
            return f"is a symlink to {target!r}, outside the bundle"
        return None
    return "is a device, FIFO or socket, not a file"


def unpack_bundle(bundle: Path, destination: Path, *, max_bytes: int = MAX_UNPACKED_BYTES) -> Path:
    """Extract ``bundle`` into ``destination`` (absent or empty) and return it; refuse unsafe bundles whole."""
    if destination.exists() and (not destination.is_dir() or any(destination.iterdir())):
        raise InvalidArtifactError(f"{destination}: exists and is not an empty folder", hint="unpack somewhere new")
    with open_bundle(bundle) as archive:
        unsafe = unsafe_entries(archive)
        if unsafe:
            listing = "; ".join(f"{name!r} {reason}" for name, reason in unsafe[:5])
            raise InvalidArtifactError(
                f"{bundle}: refusing to unpack: {listing}",
                hint="this bundle was not made by a packer you should trust; rebuild it from source",
            )
        destination.parent.mkdir(parents=True, exist_ok=True)
        partial = Path(tempfile.mkdtemp(prefix=f".{destination.name}.", dir=destination.parent))
        try:
            _extract(archive, partial, max_bytes=max_bytes, label=str(bundle))
            if destination.exists():
                destination.rmdir()
            partial.replace(destination)
        except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
            shutil.rmtree(partial, ignore_errors=True)
            raise InvalidArtifactError(f"{bundle}: the zip is damaged: {exc}", hint="build it again") from None
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise
    return destination


def _extract(archive: zipfile.ZipFile, root: Path, *, max_bytes: int, label: str) -> None:
    links: list[tuple[Path, str]] = []
    written = 0
    for info in archive.infolist():
        target = root / info.filename
        mode = info.external_attr >> 16
        if info.is_dir():
            target.mkdir(parents=True, exist_ok=True)
            continue
        if info.create_system == 3 and stat.S_ISLNK(mode):
            links.append((target, archive.read(info).decode("utf-8")))
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        with archive.open(info) as source, target.open("xb") as sink:
            while chunk := source.read(_CHUNK):
                written += len(chunk)
                if written > max_bytes:
                    raise InvalidArtifactError(f"{label}: unpacks to more than {max_bytes} bytes; refusing")
                sink.write(chunk)
        target.chmod(0o755 if mode & 0o111 else 0o644)  # never setuid/setgid, whatever the archive says
    # Links last, so no file above was written through one.
    for link, pointee in links:
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(pointee)
    # Each target was checked lexically; a chain of links (one through another's "..") needs the real answer.
    real_root = root.resolve()
    for link, pointee in links:
        if not link.resolve().is_relative_to(real_root):
            raise InvalidArtifactError(
                f"{label}: refusing to unpack: the symlink {link.relative_to(root)} -> "
                f"{pointee} leads outside the bundle through other links"
            )
