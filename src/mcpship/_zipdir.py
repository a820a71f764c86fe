"""Size up a zip's central directory before :mod:`zipfile` parses it.

``zipfile.ZipFile`` reads the whole central directory and builds one ``ZipInfo`` (about 500 bytes) per record
before anyone can count them, so a small file holding a large directory of tiny records costs many times its size
in memory. This finds the end-of-central-directory record(s) exactly where ``zipfile`` looks for them (APPNOTE
4.3.14-4.3.16, mirroring ``zipfile._EndRecData``) and counts the records by their length fields, so the limits can
be applied first. It decides nothing else: ``zipfile`` still parses the archive and reports damage.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import BinaryIO

__all__ = [
    "DIRECTORY_BYTES_PER_ENTRY",
    "CentralDirectory",
    "DirectoryExcess",
    "count_records",
    "directory_excess",
    "locate_central_directory",
]

DIRECTORY_BYTES_PER_ENTRY = 320
"""The central directory, which zipfile reads whole, may take this much per allowed entry (32 MB for 100,000):
a 46-byte record and a long path. Bounds the memory of listing an archive before its entries can be counted."""

_EOCD = struct.Struct("<4s4H2LH")  # signature, disk, cd disk, entries here, entries, cd size, cd offset, comment
_EOCD_SIGNATURE = b"PK\x05\x06"
_LOCATOR = struct.Struct("<4sLQL")  # signature, cd disk, zip64 record offset, disks
_LOCATOR_SIGNATURE = b"PK\x06\x07"
_EOCD64 = struct.Struct("<4sQ2H2L4Q")  # signature, size, versions, disks, entries here, entries, cd size, cd offset
_EOCD64_SIGNATURE = b"PK\x06\x06"
_RECORD = struct.Struct("<4s24x3H12x")  # central directory record: signature ... name, extra, comment lengths
_RECORD_SIGNATURE = b"PK\x01\x02"
_SEARCHED = 1 << 16
"""How far before the last possible end record zipfile searches for one: one byte more than the longest comment."""


@dataclass(frozen=True)
class CentralDirectory:
    start: int
    """Where the directory begins in the file (what zipfile computes as ``start_dir``)."""
    size: int
    declared_entries: int
    """The entry count the end record claims; :func:`count_records` counts what is really there."""


@dataclass(frozen=True)
class DirectoryExcess:
    """How a zip's central directory goes past the limits: ``directory_bytes`` larger than ``limit_bytes``, or
    ``entries`` more than allowed (declared by its end record or counted); the other field is 0."""

    directory_bytes: int = 0
    limit_bytes: int = 0
    entries: int = 0


def directory_excess(handle: BinaryIO, length: int, max_entries: int) -> DirectoryExcess | None:
    """Whether the zip in the first ``length`` bytes of ``handle`` lists more than ``max_entries`` entries (or has a
    directory too large to hold no more), found before :mod:`zipfile` reads it; None within the limits or for
    what is no zip (zipfile then says so in its own words)."""
    directory = locate_central_directory(handle, length)
    if directory is None:
        return None
    limit = max_entries * DIRECTORY_BYTES_PER_ENTRY
    if directory.size > limit:
        return DirectoryExcess(directory_bytes=directory.size, limit_bytes=limit)
    if directory.declared_entries > max_entries:
        return DirectoryExcess(entries=directory.declared_entries)
    if directory.start < 0:
        return None
    handle.seek(directory.start)
    records = count_records(handle.read(directory.size))
    return DirectoryExcess(entries=records) if records > max_entries else None


def locate_central_directory(handle: BinaryIO, length: int) -> CentralDirectory | None:
    """The central directory of the zip in the first ``length`` bytes of ``handle``; None if zipfile would not
    find one either (it then reports the file as not a zip)."""
    found = _end_record(handle, length)
    if found is None:
        return None
    location, record = found
    _, _, _, _, entries, size, _, _ = record
    zip64 = _zip64_record(handle, location)
    if zip64 is not None:
        location, entries, size = zip64
    return CentralDirectory(start=location - size, size=size, declared_entries=entries)


def count_records(directory: bytes) -> int:
    """How many records zipfile would parse from ``directory`` (it walks by size, not by the declared count)."""
    count = offset = 0
    while offset < len(directory):
        if offset + _RECORD.size > len(directory):
            break
        signature, name, extra, comment = _RECORD.unpack_from(directory, offset)
        if signature != _RECORD_SIGNATURE:
            break
        offset += _RECORD.size + name + extra + comment
        count += 1
    return count


def _end_record(handle: BinaryIO, length: int) -> tuple[int, tuple[bytes, int, int, int, int, int, int, int]] | None:
    if length < _EOCD.size:
        return None
    handle.seek(length - _EOCD.size)
    last = handle.read(_EOCD.size)
    if last.startswith(_EOCD_SIGNATURE) and last.endswith(b"\x00\x00"):
        return length - _EOCD.size, _EOCD.unpack(last)
    window_start = max(length - _SEARCHED - _EOCD.size, 0)
    handle.seek(window_start)
    window = handle.read(length - window_start)
    start = window.rfind(_EOCD_SIGNATURE)
    if start < 0 or start + _EOCD.size > len(window):
        return None
    return window_start + start, _EOCD.unpack_from(window, start)


def _zip64_record(handle: BinaryIO, location: int) -> tuple[int, int, int] | None:
    """``(location, entries, size)`` from a ZIP64 end record right before ``location``, as zipfile reads it."""
    if location < _LOCATOR.size + _EOCD64.size:
        return None
    handle.seek(location - _LOCATOR.size)
    locator = handle.read(_LOCATOR.size)
    if len(locator) != _LOCATOR.size or _LOCATOR.unpack(locator)[0] != _LOCATOR_SIGNATURE:
        return None
    record_at = location - _LOCATOR.size - _EOCD64.size
    handle.seek(record_at)
    record = handle.read(_EOCD64.size)
    if len(record) != _EOCD64.size:
        return None
    signature, _, _, _, _, _, _, entries, size, _ = _EOCD64.unpack(record)
    if signature != _EOCD64_SIGNATURE:
        return None
    return record_at, entries, size
