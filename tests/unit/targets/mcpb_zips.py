"""Hostile zips for the MCPB reader tests, written byte by byte so they build in a fraction of a second.

``zipfile`` would need ~20 s to deflate a gigabyte; here a deflate stream of N MiB is one compressed MiB repeated
N times (each piece ends with a full flush, so the pieces are independent), and headers can say anything: lying
sizes, shared data offsets, more records than the end record admits.
"""

from __future__ import annotations

import json
import stat
import struct
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

MiB = 1 << 20
FILE = stat.S_IFREG | 0o644
LINK = stat.S_IFLNK | 0o777
STORED, DEFLATED = 0, 8

_LOCAL = struct.Struct("<4s5H3L2H")
_CENTRAL = struct.Struct("<4s6H3L5H2L")
_EOCD = struct.Struct("<4s4H2LH")
_EOCD64 = struct.Struct("<4sQ2H2L4Q")
_LOCATOR = struct.Struct("<4sLQL")

MANIFEST = {
    "manifest_version": "0.3",
    "name": "demo",
    "version": "1.0.0",
    "description": "d",
    "author": {"name": "A"},
    "server": {
        "type": "node",
        "entry_point": "server/index.js",
        "mcp_config": {"command": "node", "args": ["${__dirname}/server/index.js"]},
    },
}


@dataclass(frozen=True)
class Raw:
    """One entry as it is written: ``payload`` is already compressed with ``method``; the sizes are declared."""

    name: str
    payload: bytes
    crc: int
    size: int
    method: int = DEFLATED
    mode: int = FILE
    offset_of: str | None = None
    """Write no data of its own: point the directory record at this earlier entry's local header."""
    flags: int = 0x800
    """The general purpose bits: 0x800 says the name is UTF-8 (without it, the name is written in cp437)."""
    compressed: int | None = None
    """The compressed size the directory declares, if not the payload's length."""


def stored(name: str, data: bytes, mode: int = FILE) -> Raw:
    return Raw(name, data, zlib.crc32(data), len(data), STORED, mode)


def deflated(name: str, data: bytes, mode: int = FILE) -> Raw:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return Raw(name, compressor.compress(data) + compressor.flush(), zlib.crc32(data), len(data), DEFLATED, mode)


def repeated(
    name: str, mebibytes: int, *, fill: bytes = b"\x00", first: bytes = b"", declared: int | None = None
) -> Raw:
    """``first`` padded to 1 MiB with ``fill``, then ``mebibytes - 1`` more MiB of ``fill``, deflated in ~1 KB/MiB."""
    head = first + fill * (MiB - len(first))
    body = fill * MiB
    head_part, body_part = _flushed(head), _flushed(body)
    crc = zlib.crc32(head)
    for _ in range(mebibytes - 1):
        crc = zlib.crc32(body, crc)
    final = zlib.compressobj(9, zlib.DEFLATED, -15).flush()  # an empty final block ends the stream
    payload = head_part + body_part * (mebibytes - 1) + final
    return Raw(name, payload, crc, mebibytes * MiB if declared is None else declared)


def _flushed(data: bytes) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(zlib.Z_FULL_FLUSH)


def manifest(**changes: object) -> Raw:
    return stored("manifest.json", json.dumps({**MANIFEST, **changes}).encode())


def write_zip(
    path: Path,
    entries: Sequence[Raw],
    *,
    declared_entries: int | None = None,
    trailer: bytes = b"",
    zip64: bool = False,
) -> Path:
    """Write ``entries`` as a zip (ZIP64 end records with ``zip64`` or more than 65535 entries).
    ``declared_entries`` makes the end record lie about the count; ``trailer`` is appended (a signature block)."""
    out = bytearray()
    offsets: dict[str, int] = {}
    directory = bytearray()
    for entry in entries:
        name = entry.name.encode("utf-8" if entry.flags & 0x800 else "cp437")
        if entry.offset_of is None:
            offsets[entry.name] = len(out)
            out += _LOCAL.pack(
                b"PK\x03\x04",
                20,
                entry.flags,
                entry.method,
                0,
                0x21,
                entry.crc,
                len(entry.payload),
                entry.size,
                len(name),
                0,
            )
            out += name + entry.payload
        offset = offsets[entry.offset_of or entry.name]
        directory += _CENTRAL.pack(
            b"PK\x01\x02",
            (3 << 8) | 20,
            20,
            entry.flags,
            entry.method,
            0,
            0x21,
            entry.crc,
            len(entry.payload) if entry.compressed is None else entry.compressed,
            entry.size,
            len(name),
            0,
            0,
            0,
            0,
            entry.mode << 16,
            offset,
        )
        directory += name
    start = len(out)
    out += directory
    count = len(entries) if declared_entries is None else declared_entries
    if zip64 or count > 0xFFFF:
        record_at = len(out)
        out += _EOCD64.pack(b"PK\x06\x06", 44, 45, 45, 0, 0, count, count, len(directory), start)
        out += _LOCATOR.pack(b"PK\x06\x07", 0, record_at, 1)
        out += _EOCD.pack(b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    else:
        out += _EOCD.pack(b"PK\x05\x06", 0, 0, count, count, len(directory), start, 0)
    path.write_bytes(bytes(out) + trailer)
    return path


def spy_on_zip_reads(monkeypatch: pytest.MonkeyPatch) -> list[int | None]:
    """The sizes asked of every zip entry read from now on (``ZipExtFile.read``), in order."""
    asked: list[int | None] = []
    read = zipfile.ZipExtFile.read

    def spy(self: zipfile.ZipExtFile, n: int | None = -1) -> bytes:
        asked.append(n)
        return read(self, n)

    monkeypatch.setattr(zipfile.ZipExtFile, "read", spy)
    return asked
