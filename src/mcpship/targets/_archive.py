"""Reproducible archives: zips with sorted entries, fixed times and modes and no extra fields (the same files give
the same bytes on every machine), and ``.tar.gz`` files rewritten without some members, byte for byte otherwise."""

from __future__ import annotations

import gzip
import tarfile
import time
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path

__all__ = ["tar_gz_names", "without_tar_members", "write_reproducible_zip"]


def write_reproducible_zip(destination: Path, files: Iterable[tuple[str, Path]], *, epoch: int) -> None:
    """Zip ``(archive name, source file)`` pairs. Executables keep 0755, everything else is 0644."""
    stamp = time.gmtime(epoch)[:6]
    entries = sorted(files, key=lambda pair: pair[0])
    with zipfile.ZipFile(destination, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, source in entries:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, so the mode bits below are honoured by unzip and hosts
            mode = 0o755 if source.stat().st_mode & 0o111 else 0o644
            info.external_attr = (0o100000 | mode) << 16  # regular file + permissions
            archive.writestr(info, source.read_bytes(), compresslevel=9)


def tar_gz_names(archive: Path) -> list[str]:
    """Every member name of a ``.tar.gz``, directories with a trailing ``/``."""
    with tarfile.open(archive, mode="r:gz") as source:
        return [member.name + "/" if member.isdir() else member.name for member in source]


def without_tar_members(archive: Path, drop: Callable[[str], bool]) -> list[str]:
    """Rewrite ``archive`` in place without the members ``drop`` selects (names as :func:`tar_gz_names` gives
    them); return those. Every kept member keeps its header (time, mode, owner) and its order, and the gzip
    header keeps its time, so the result depends only on the input: reproducible builds stay reproducible."""
    with archive.open("rb") as handle:
        gzip_mtime = int.from_bytes(handle.read(8)[4:8], "little")
    dropped: list[str] = []
    partial = archive.with_name(archive.name + ".partial")
    with (
        tarfile.open(archive, mode="r:gz") as source,
        partial.open("wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=gzip_mtime, compresslevel=9) as compressed,
        tarfile.open(fileobj=compressed, mode="w", format=source.format) as target,
    ):
        for member in source:
            name = member.name + "/" if member.isdir() else member.name
            if drop(name):
                dropped.append(name)
                continue
            target.addfile(member, source.extractfile(member) if member.isfile() else None)
    partial.replace(archive)
    return dropped
