"""A zip's central directory is found exactly where zipfile finds it, so the limits counted on it before zipfile
parses it are the limits of what zipfile then parses: no trailer, comment or ZIP64 record makes them disagree."""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

import pytest

from mcpship._zipdir import (
    DIRECTORY_BYTES_PER_ENTRY,
    CentralDirectory,
    DirectoryExcess,
    count_records,
    directory_excess,
    locate_central_directory,
)
from tests.unit.targets.mcpb_zips import stored, write_zip

ENTRIES = [stored(f"f/{i}", b"x") for i in range(20)]


def with_comment(path: Path, comment: bytes) -> Path:
    """The zip with an archive comment: the end record's last field says how long it is."""
    data = path.read_bytes()
    path.write_bytes(data[:-2] + struct.pack("<H", len(comment)) + comment)
    return path


def located(path: Path) -> CentralDirectory | None:
    with path.open("rb") as handle:
        return locate_central_directory(handle, path.stat().st_size)


def excess(path: Path, max_entries: int) -> DirectoryExcess | None:
    with path.open("rb") as handle:
        return directory_excess(handle, path.stat().st_size, max_entries)


@pytest.mark.parametrize(
    ("zip64", "comment", "trailer"),
    [
        (False, b"", 0),
        (False, b"a comment", 0),
        (False, b"c" * 0xFFFF, 0),  # the longest comment there is
        (False, b"", 0xFFFF),
        (False, b"", 0x10000),  # zipfile still looks here: one byte more than the longest comment
        (True, b"", 0),
        (True, b"a comment", 0),
        (True, b"", 0x10000),
    ],
)
def test_the_directory_is_found_and_counted_where_zipfile_finds_it(
    tmp_path: Path, zip64: bool, comment: bytes, trailer: int
) -> None:
    path = write_zip(tmp_path / "a.zip", ENTRIES, zip64=zip64, trailer=bytes(trailer))
    if comment:
        with_comment(path, comment)
    with zipfile.ZipFile(path) as archive:
        start, count = archive.start_dir, len(archive.infolist())
    size = sum(46 + len(entry.name) for entry in ENTRIES)
    assert located(path) == CentralDirectory(start=start, size=size, declared_entries=20)
    with path.open("rb") as handle:
        handle.seek(start)
        assert count_records(handle.read(size)) == count == 20
    assert excess(path, 20) is None
    assert excess(path, 19) == DirectoryExcess(entries=20)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"PK\x05\x06" + bytes(17),  # shorter than an end record
        bytes(22),
        b"\x00" * 100 + b"PK\x05\x06" + bytes(10),  # an end record cut short
    ],
)
def test_what_zipfile_finds_no_directory_in_has_none_here(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "no.zip"
    path.write_bytes(data)
    with pytest.raises(zipfile.BadZipFile):
        zipfile.ZipFile(path)
    assert located(path) is None
    assert excess(path, 1) is None


def test_an_end_record_further_back_than_zipfile_looks_is_not_found(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "far.zip", ENTRIES, trailer=bytes(0x10001))
    with pytest.raises(zipfile.BadZipFile):
        zipfile.ZipFile(path)
    assert located(path) is None


def test_a_directory_that_claims_to_start_before_the_file_is_left_to_zipfile(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "bad.zip", ENTRIES)
    data = bytearray(path.read_bytes())
    struct.pack_into("<L", data, len(data) - 10, 10**6)  # the directory's size: larger than the whole file
    path.write_bytes(bytes(data))
    with pytest.raises(zipfile.BadZipFile, match="Bad offset for central directory"):
        zipfile.ZipFile(path)
    assert located(path) == CentralDirectory(start=len(data) - 22 - 10**6, size=10**6, declared_entries=20)
    assert excess(path, 10_000) is None  # not counted: zipfile refuses it anyway


def test_a_directory_larger_than_its_entries_need_is_refused_by_its_size(tmp_path: Path) -> None:
    # Few records with very long names: more bytes than max_entries records may take.
    names = [stored("n" * 1000 + str(i), b"") for i in range(4)]
    path = write_zip(tmp_path / "long.zip", names)
    size = sum(46 + len(entry.name) for entry in names)
    assert excess(path, 13) == DirectoryExcess(directory_bytes=size, limit_bytes=13 * DIRECTORY_BYTES_PER_ENTRY)
    assert size <= 14 * DIRECTORY_BYTES_PER_ENTRY
    assert excess(path, 14) is None


def test_a_directory_declaring_more_entries_than_allowed_is_refused_before_counting(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "claims.zip", ENTRIES, declared_entries=50)
    assert excess(path, 49) == DirectoryExcess(entries=50)
    assert excess(path, 50) is None  # 20 counted


def test_records_are_counted_as_zipfile_walks_them_until_one_is_not_a_record() -> None:
    record = b"PK\x01\x02" + bytes(24) + struct.pack("<3H", 3, 2, 1) + bytes(12) + b"abc" + b"de" + b"f"
    assert count_records(record * 3) == 3
    assert count_records(record * 2 + b"PK\x01\x03" + record[4:]) == 2
    assert count_records(record * 2 + record[:45]) == 2  # a record cut short is not counted
    assert count_records(record * 2 + record[:46]) == 3  # a whole fixed part is, whatever follows
    assert count_records(b"") == 0
