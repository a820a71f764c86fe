"""Reproducible image layers: tar archives whose bytes depend only on the files they hold.

Entries are sorted, owned by 0:0 with empty user and group names, stamped with one fixed time and given
fixed modes (0755 folders and executables, 0644 the rest). The gzip stream has mtime 0 and no file name,
so the same files give the same layer digest on every machine and every run.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import stat
import tarfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from mcpship._exceptions import BuildError

__all__ = ["LAYER_MEDIA_TYPE", "Layer", "directory_layer", "files_layer"]

LAYER_MEDIA_TYPE = "application/vnd.oci.image.layer.v1.tar+gzip"
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Layer:
    """A compressed layer on disk with the two digests an image needs."""

    path: Path
    digest: str
    """``sha256:…`` of the gzip bytes: the blob name and the manifest's layer descriptor."""
    diff_id: str
    """``sha256:…`` of the uncompressed tar: the config's ``rootfs.diff_ids`` entry."""
    size: int


class _HashingWriter(io.RawIOBase):
    """Counts and hashes what passes through, on its way to the next writer."""

    def __init__(self, sink: io.BufferedIOBase | io.RawIOBase | gzip.GzipFile) -> None:
        self._sink = sink
        self.sha256 = hashlib.sha256()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        view = memoryview(data)
        self.sha256.update(view)
        self.size += view.nbytes
        self._sink.write(view)
        return view.nbytes


def files_layer(destination: Path, files: Mapping[str, Path | bytes], *, epoch: int) -> Layer:
    """A layer of ``{absolute image path: source file or content}``; parent folders are added as needed."""
    entries: dict[str, Path | bytes | None] = {}
    for name, source in files.items():
        path = PurePosixPath("/", name)
        for parent in reversed(path.parents[:-1]):  # every folder but "/"
            entries.setdefault(str(parent).lstrip("/"), None)
        entries[str(path).lstrip("/")] = source

    def add_all(archive: tarfile.TarFile) -> None:
        for name in sorted(entries):
            source = entries[name]
            info = tarfile.TarInfo(name)
            info.mtime = epoch
            if source is None:
                info.type, info.mode = tarfile.DIRTYPE, 0o755
                archive.addfile(info)
            elif isinstance(source, bytes):
                info.size, info.mode = len(source), 0o644
                archive.addfile(info, io.BytesIO(source))
            else:
                info.size = source.stat().st_size
                info.mode = 0o755 if source.stat().st_mode & 0o111 else 0o644
                with source.open("rb") as handle:
                    archive.addfile(info, handle)

    return _write_layer(destination, add_all)


def directory_layer(
    destination: Path, root: Path, *, epoch: int, skip: tuple[str, ...] = ("dev", "proc", "sys")
) -> Layer:
    """A layer of a whole root file system (a base image): modes, owners and links as they are on disk.

    Hard links are stored once and linked after; device nodes, sockets and fifos are left out, and so is what
    ``skip`` names at the top (a container runtime mounts ``/dev``, ``/proc`` and ``/sys`` itself; the empty
    folders stay). Times are still fixed, so the same tree gives the same digest.
    """
    if not root.is_dir():
        raise BuildError(f"{root} is not a folder", hint="give the root file system of the image")

    def add_all(archive: tarfile.TarFile) -> None:
        seen: dict[tuple[int, int], str] = {}
        for name in _sorted_tree(root, skip):
            path = root / name
            status = path.lstat()
            info = tarfile.TarInfo(name)
            info.mtime, info.uid, info.gid = epoch, status.st_uid, status.st_gid
            info.mode = stat.S_IMODE(status.st_mode)
            if stat.S_ISDIR(status.st_mode):
                info.type = tarfile.DIRTYPE
                archive.addfile(info)
            elif stat.S_ISLNK(status.st_mode):
                info.type, info.linkname = tarfile.SYMTYPE, str(path.readlink())
                archive.addfile(info)
            elif stat.S_ISREG(status.st_mode):
                key = (status.st_dev, status.st_ino)
                if status.st_nlink > 1 and key in seen:
                    info.type, info.linkname = tarfile.LNKTYPE, seen[key]
                    archive.addfile(info)
                    continue
                seen[key] = name
                info.size = status.st_size
                with path.open("rb") as handle:
                    archive.addfile(info, handle)

    return _write_layer(destination, add_all)


def _sorted_tree(root: Path, skip: tuple[str, ...]) -> list[str]:
    names: list[str] = []
    for directory, folders, files in os.walk(root):
        relative = Path(directory).relative_to(root)
        if relative == Path():
            names.extend(folder for folder in folders if folder in skip)  # keep the mount points, empty
            folders[:] = [folder for folder in folders if folder not in skip]
        for name in (*folders, *files):
            names.append(str(relative / name) if relative != Path() else name)
    return sorted(names)


def _write_layer(destination: Path, add_all: Callable[[tarfile.TarFile], None]) -> Layer:
    """Run ``add_all(tarfile)`` into a gzip file at ``destination``, hashing both streams on the way."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    with destination.open("wb") as raw:
        compressed = _HashingWriter(raw)
        # filename="" and mtime=0 keep the gzip header free of the build machine's path and clock.
        with gzip.GzipFile(filename="", mode="wb", fileobj=compressed, compresslevel=6, mtime=0) as zipped:
            uncompressed = _HashingWriter(zipped)
            with tarfile.open(fileobj=uncompressed, mode="w|", format=tarfile.PAX_FORMAT) as archive:
                add_all(archive)
    return Layer(
        path=destination,
        digest="sha256:" + compressed.sha256.hexdigest(),
        diff_id="sha256:" + uncompressed.sha256.hexdigest(),
        size=compressed.size,
    )
