"""Read one small member (metadata) out of a wheel, an sdist or an npm tarball in bounded memory.

These files can come from anywhere: ``mcpship inspect`` opens any wheel it is given, and files downloaded from an
index are just as hostile. A zip's directory is sized and counted before zipfile
parses it (:mod:`mcpship._zipdir`); a tarball is read as a stream whose decompressed bytes are capped; the member
is read at most ``limit`` bytes, never trusting the size its header declares. Every refusal is a ValueError
naming the file, which the callers already turn into a problem or an error.
"""

from __future__ import annotations

import gzip
import io
import tarfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, cast

from mcpship._zipdir import directory_excess

__all__ = [
    "MAX_MEMBERS",
    "MAX_MEMBER_BYTES",
    "MAX_SCANNED_BYTES",
    "open_zip",
    "read_tar_member",
    "read_zip_member",
]

MAX_MEMBER_BYTES = 16 << 20
"""A metadata file: a wheel's METADATA carries the README, rarely over 1 MB."""
MAX_MEMBERS = 100_000
"""Entries in one archive, as for MCPB bundles."""
MAX_SCANNED_BYTES = 256 << 20
"""Decompressed bytes of a tarball read while looking for one member (PyPI caps uploads at 100 MB compressed)."""


def open_zip(path: Path, *, max_members: int = MAX_MEMBERS) -> zipfile.ZipFile:
    """``zipfile.ZipFile(path)``, refused with ValueError when its directory holds more than ``max_members``."""
    with path.open("rb") as handle:
        if directory_excess(handle, path.stat().st_size, max_members) is not None:
            raise ValueError(f"{path.name} lists more than {max_members} entries")
    return zipfile.ZipFile(path)


def read_zip_member(archive: zipfile.ZipFile, name: str, *, limit: int = MAX_MEMBER_BYTES) -> bytes:
    """The bytes of member ``name``; ValueError if it holds more than ``limit``."""
    with archive.open(name) as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"{name} is larger than {limit >> 20} MiB")
    return data


def read_tar_member(
    path: Path, wanted: Callable[[tarfile.TarInfo], bool], *, limit: int = MAX_MEMBER_BYTES
) -> tuple[str, bytes] | None:
    """``(name, bytes)`` of the first regular member of the gzipped tarball ``path`` that ``wanted`` accepts, or
    None; ValueError past :data:`MAX_MEMBERS` members, :data:`MAX_SCANNED_BYTES` decompressed, or ``limit``."""
    with gzip.open(path, "rb") as unzipped, tarfile.open(fileobj=_capped(unzipped, path.name), mode="r|") as archive:
        for count, member in enumerate(archive):
            if count >= MAX_MEMBERS:
                raise ValueError(f"{path.name} has more than {MAX_MEMBERS} members")
            if not (member.isfile() and wanted(member)):
                continue
            handle = archive.extractfile(member)
            assert handle is not None  # a regular member always has a file object
            data = handle.read(limit + 1)
            if len(data) > limit:
                raise ValueError(f"{path.name}!{member.name} is larger than {limit >> 20} MiB")
            return member.name, data
    return None


def _capped(raw: gzip.GzipFile, label: str) -> IO[bytes]:
    return cast(IO[bytes], _Capped(raw, label))


class _Capped(io.RawIOBase):
    """A stream that raises ValueError once more than :data:`MAX_SCANNED_BYTES` have been read from it."""

    def __init__(self, raw: gzip.GzipFile, label: str) -> None:
        super().__init__()
        self._raw = raw
        self._label = label
        self._count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self._raw.read(len(buffer))
        self._count += len(data)
        if self._count > MAX_SCANNED_BYTES:
            raise ValueError(f"{self._label} unpacks to more than {MAX_SCANNED_BYTES >> 20} MiB")
        buffer[: len(data)] = data
        return len(data)
