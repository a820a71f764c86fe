"""Metadata read from wheels and tarballs anyone may hand us (a wheel given to inspect, files from an index)
costs bounded memory: a small file that inflates to a gigabyte is refused, not read."""

from __future__ import annotations

import gzip
import io
import re
import struct
import sys
import tarfile
import zlib
from pathlib import Path
from typing import cast

import pytest

from mcpship import _archive_members
from mcpship._archive_members import MAX_SCANNED_BYTES, open_zip, read_tar_member, read_zip_member
from mcpship._exceptions import UsageError
from mcpship.probe.locations import resolve_target
from tests.peak_memory import run_measured
from tests.unit.targets.mcpb_zips import MiB, repeated, spy_on_zip_reads, stored, write_zip

ENTRY_POINTS = b"[console_scripts]\ndemo = demo:main\n"


def gzipped_tar(path: Path, members: list[tuple[str, bytes, int]]) -> Path:
    """A .tar.gz of ``(name, fill, mebibytes)`` members (``fill`` repeated to that size, or as is with 0), built in
    ~1 KB/MiB: each compressed piece ends with a full flush, so one compressed MiB can be repeated."""
    pieces: list[tuple[bytes, int]] = []
    for name, fill, mebibytes in members:
        info = tarfile.TarInfo(name)
        info.size = mebibytes * MiB if mebibytes else len(fill)
        pieces.append((info.tobuf(format=tarfile.PAX_FORMAT), 1))
        pieces.append((fill * MiB, mebibytes) if mebibytes else (fill + bytes(-len(fill) % 512), 1))
    pieces.append((bytes(1024), 1))  # end of archive
    body, crc, size = bytearray(), 0, 0
    for chunk, times in pieces:
        compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
        body += (compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)) * times
        for _ in range(times):
            crc = zlib.crc32(chunk, crc)
        size += len(chunk) * times
    body += zlib.compressobj(9, zlib.DEFLATED, -15).flush()
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    path.write_bytes(header + bytes(body) + struct.pack("<LL", crc, size & 0xFFFFFFFF))
    return path


def test_inspecting_a_wheel_whose_entry_points_inflate_to_a_gigabyte_is_refused_in_bounded_memory(
    tmp_path: Path,
) -> None:
    wheel = write_zip(
        tmp_path / "demo-1.0-py3-none-any.whl",
        [repeated("demo-1.0.dist-info/entry_points.txt", 1024, fill=b"#", first=ENTRY_POINTS)],
    )
    assert wheel.stat().st_size < 2 * MiB
    expected = "not a readable wheel (demo-1.0.dist-info/entry_points.txt is larger than 16 MiB)"
    with pytest.raises(UsageError, match=re.escape(expected)):
        resolve_target(str(wheel))
    code = (
        "import sys\n"
        "from mcpship.probe.locations import resolve_target\n"
        "try: resolve_target(sys.argv[1])\n"
        "except Exception as error: print(error)"
    )
    measured = run_measured([sys.executable, "-c", code, str(wheel)])
    assert measured.stdout.strip() == f"{wheel}: {expected}", measured.stderr
    assert measured.peak_kib < 300 * 1024, measured.peak_kib


def test_a_zip_listing_too_many_entries_is_refused_before_zipfile_parses_it(tmp_path: Path) -> None:
    entries = [stored("demo-1.0.dist-info/entry_points.txt", ENTRY_POINTS), *(stored(f"x/{i}", b"") for i in range(20))]
    lying = write_zip(tmp_path / "demo-1.0-py3-none-any.whl", entries, declared_entries=1)
    with pytest.raises(ValueError, match="lists more than 10 entries"):
        open_zip(lying, max_members=10)
    with open_zip(lying) as archive:
        assert read_zip_member(archive, "demo-1.0.dist-info/entry_points.txt") == ENTRY_POINTS


def test_tarballs_are_read_as_bounded_streams(tmp_path: Path) -> None:
    def wanted(member: tarfile.TarInfo) -> bool:
        return member.name.endswith("/PKG-INFO")

    sdist = gzipped_tar(tmp_path / "demo-1.0.tar.gz", [("demo-1.0/PKG-INFO", b"Name: demo\n", 0)])
    assert read_tar_member(sdist, wanted) == ("demo-1.0/PKG-INFO", b"Name: demo\n")
    huge = gzipped_tar(tmp_path / "huge-1.0.tar.gz", [("huge-1.0/PKG-INFO", b"a", 1024)])
    with pytest.raises(ValueError, match=re.escape("huge-1.0.tar.gz!huge-1.0/PKG-INFO is larger than 16 MiB")):
        read_tar_member(huge, wanted)
    # The wanted member after 300 MiB of padding: the scan stops at the cap instead of inflating everything.
    padded = gzipped_tar(tmp_path / "pad-1.0.tar.gz", [("pad-1.0/blob", b"\x00", 300), ("pad-1.0/PKG-INFO", b"x", 0)])
    with pytest.raises(ValueError, match=f"unpacks to more than {MAX_SCANNED_BYTES >> 20} MiB"):
        read_tar_member(padded, wanted)


def test_a_zip_member_of_exactly_the_limit_is_read_and_one_byte_more_is_refused_reading_no_further(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wheel = write_zip(tmp_path / "w.whl", [stored("exact", bytes(MiB)), stored("over", bytes(MiB + 1))])
    asked = spy_on_zip_reads(monkeypatch)
    with open_zip(wheel) as archive:
        assert read_zip_member(archive, "exact", limit=MiB) == bytes(MiB)
        with pytest.raises(ValueError, match=r"^over is larger than 1 MiB$"):
            read_zip_member(archive, "over", limit=MiB)
    assert asked == [MiB + 1, MiB + 1]


def test_a_tar_member_of_exactly_the_limit_is_read_and_one_byte_more_is_refused_reading_no_further(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[int | None] = []
    read = tarfile.ExFileObject.read

    def spy(self: tarfile.ExFileObject, n: int | None = -1) -> bytes:
        asked.append(n)
        return read(self, n)

    monkeypatch.setattr(tarfile.ExFileObject, "read", spy)
    exact = gzipped_tar(tmp_path / "exact-1.0.tar.gz", [("exact-1.0/PKG-INFO", b"a", 1)])
    assert read_tar_member(exact, lambda member: True, limit=MiB) == ("exact-1.0/PKG-INFO", b"a" * MiB)
    over = gzipped_tar(tmp_path / "over-1.0.tar.gz", [("over-1.0/PKG-INFO", b"a" * (MiB + 1), 0)])
    with pytest.raises(ValueError, match=r"^over-1.0.tar.gz!over-1.0/PKG-INFO is larger than 1 MiB$"):
        read_tar_member(over, lambda member: True, limit=MiB)
    assert asked == [MiB + 1, MiB + 1]


def test_only_regular_tar_members_are_read_and_none_is_returned_when_none_is_wanted(tmp_path: Path) -> None:
    sdist = gzipped_tar(tmp_path / "demo-1.0.tar.gz", [("demo-1.0/a", b"A", 0), ("demo-1.0/b", b"B", 0)])
    assert read_tar_member(sdist, lambda member: member.name.endswith("/b")) == ("demo-1.0/b", b"B")
    assert read_tar_member(sdist, lambda member: False) is None


def test_a_tarball_of_exactly_the_member_limit_is_read_and_one_member_more_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_archive_members, "MAX_MEMBERS", 3)
    members = [(f"demo-1.0/{i}", b"x", 0) for i in range(4)]
    three = gzipped_tar(tmp_path / "three.tar.gz", members[:3])
    assert read_tar_member(three, lambda member: member.name.endswith("/2")) == ("demo-1.0/2", b"x")
    four = gzipped_tar(tmp_path / "four.tar.gz", members)
    with pytest.raises(ValueError, match=r"^four.tar.gz has more than 3 members$"):
        read_tar_member(four, lambda member: member.name.endswith("/3"))


def test_a_tarball_that_unpacks_to_exactly_the_scan_limit_is_read_and_one_byte_more_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One 512-byte header, one padded data block and the 1024-byte end: 2048 bytes decompressed.
    sdist = gzipped_tar(tmp_path / "demo-1.0.tar.gz", [("demo-1.0/PKG-INFO", b"Name: demo\n", 0)])
    monkeypatch.setattr(_archive_members, "MAX_SCANNED_BYTES", 2048)
    assert read_tar_member(sdist, lambda member: True) == ("demo-1.0/PKG-INFO", b"Name: demo\n")
    monkeypatch.setattr(_archive_members, "MAX_SCANNED_BYTES", 2047)
    with pytest.raises(ValueError, match=r"^demo-1.0.tar.gz unpacks to more than 0 MiB$"):
        read_tar_member(sdist, lambda member: True)


def test_a_capped_tarball_stream_reads_like_any_readable_stream(tmp_path: Path) -> None:
    packed = tmp_path / "data.gz"
    packed.write_bytes(gzip.compress(b"abc" * 1000))
    with gzip.open(packed, "rb") as raw:
        stream = io.BufferedReader(cast(io.RawIOBase, _archive_members._capped(raw, "data.gz")))
        assert stream.read() == b"abc" * 1000
