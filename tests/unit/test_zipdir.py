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


def agree_with_zipfile(path: Path, expected: CentralDirectory) -> None:
    """``path`` opens with zipfile, which finds the directory where ``located`` does."""
    with zipfile.ZipFile(path) as archive:
        assert archive.start_dir == expected.start
    assert located(path) == expected


def test_an_empty_zip_has_an_empty_directory_at_the_start(tmp_path: Path) -> None:
    path = tmp_path / "empty.zip"
    zipfile.ZipFile(path, "w").close()
    assert path.stat().st_size == 22  # the end record alone
    agree_with_zipfile(path, CentralDirectory(start=0, size=0, declared_entries=0))
    assert excess(path, 0) is None
    with_comment(path, b"a comment")  # found by searching back, at the very start of the file
    agree_with_zipfile(path, CentralDirectory(start=0, size=0, declared_entries=0))
    zip64 = write_zip(tmp_path / "empty64.zip", [], zip64=True)  # the ZIP64 records take the 76 bytes before
    agree_with_zipfile(zip64, CentralDirectory(start=0, size=0, declared_entries=0))


def test_an_end_record_whose_comment_is_cut_short_is_still_found(tmp_path: Path) -> None:
    path = tmp_path / "cut.zip"
    zipfile.ZipFile(path, "w").close()
    path.write_bytes(path.read_bytes()[:-2] + struct.pack("<H", 3))  # a 3-byte comment, not there
    agree_with_zipfile(path, CentralDirectory(start=0, size=0, declared_entries=0))


def test_the_last_end_record_signature_is_the_one_found_as_zipfile_finds_it(tmp_path: Path) -> None:
    # An entry whose data looks like an end record, then the real one followed by a comment: the last one counts.
    decoy = stored("decoy", b"PK\x05\x06" + bytes(18))
    path = with_comment(write_zip(tmp_path / "decoy.zip", [decoy, *ENTRIES]), b"a comment")
    size = sum(46 + len(entry.name) for entry in [decoy, *ENTRIES])
    with zipfile.ZipFile(path) as archive:
        start = archive.start_dir
    agree_with_zipfile(path, CentralDirectory(start=start, size=size, declared_entries=21))


def test_an_end_record_whose_own_fields_spell_its_signature_is_found_at_the_end(tmp_path: Path) -> None:
    # The directory's offset field reads "PK\x05\x06": searching back from the end would find it inside the record.
    path = tmp_path / "spelled.zip"
    path.write_bytes(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 0, 0, 0, 0, 0)[:16] + b"PK\x05\x06" + b"\x00\x00")
    agree_with_zipfile(path, CentralDirectory(start=0, size=0, declared_entries=0))


def test_only_the_first_length_bytes_are_searched(tmp_path: Path) -> None:
    # A signed bundle: the zip (with 64 KiB of padding, so the end record is searched for), then a block that
    # holds what looks like an end record. Only the zip's own bytes are read.
    path = write_zip(tmp_path / "a.zip", ENTRIES, trailer=bytes(0x10000))
    length = path.stat().st_size
    expected = located(path)
    with path.open("ab") as handle:
        handle.write(b"PK\x05\x06" + bytes(18))
    with path.open("rb") as handle:
        assert locate_central_directory(handle, length) == expected


def test_a_zip64_locator_with_a_wrong_signature_is_ignored_as_zipfile_ignores_it(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "z64.zip", ENTRIES, zip64=True)
    data = bytearray(path.read_bytes())
    locator = len(data) - 22 - 20
    assert data[locator : locator + 4] == b"PK\x06\x07"
    data[locator + 3] = 0x08
    path.write_bytes(bytes(data))
    # The plain end record then says 0xFFFF entries in 0xFFFFFFFF bytes, ending where it starts.
    assert located(path) == CentralDirectory(
        start=len(data) - 22 - 0xFFFFFFFF, size=0xFFFFFFFF, declared_entries=0xFFFF
    )
    with pytest.raises(zipfile.BadZipFile):
        zipfile.ZipFile(path)


def test_records_of_a_directory_at_the_very_start_of_the_file_are_counted(tmp_path: Path) -> None:
    # No entry data at all: three directory records at offset 0, an end record claiming one.
    record = b"PK\x01\x02" + bytes(24) + struct.pack("<3H", 1, 0, 0) + bytes(12) + b"a"
    directory = record * 3
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 1, 1, len(directory), 0, 0)
    path = tmp_path / "bare.zip"
    path.write_bytes(directory + end)
    with zipfile.ZipFile(path) as archive:
        assert (archive.start_dir, len(archive.infolist())) == (0, 3)
    assert excess(path, 2) == DirectoryExcess(entries=3)
    assert excess(path, 3) is None


def test_a_directory_of_exactly_the_size_limit_is_counted_not_refused_by_its_size(tmp_path: Path) -> None:
    # One record of exactly DIRECTORY_BYTES_PER_ENTRY bytes: 46 fixed, the rest its name.
    path = write_zip(tmp_path / "one.zip", [stored("n" * (DIRECTORY_BYTES_PER_ENTRY - 46), b"")])
    assert excess(path, 1) is None
    big = write_zip(tmp_path / "big.zip", [stored("n" * (DIRECTORY_BYTES_PER_ENTRY - 45), b"")])
    assert excess(big, 1) == DirectoryExcess(
        directory_bytes=DIRECTORY_BYTES_PER_ENTRY + 1, limit_bytes=DIRECTORY_BYTES_PER_ENTRY
    )
