"""Metadata read from wheels, sdists and npm tarballs (PyPI downloads in the registry's ownership checks, wheels
given to inspect) costs bounded memory: a small file that inflates to a gigabyte is refused, not read."""

from __future__ import annotations

import io
import struct
import sys
import tarfile
import zlib
from pathlib import Path

import pytest

from mcpship._archive_members import MAX_SCANNED_BYTES, open_zip
from mcpship.server_json._artifact_files import read_npm_manifest, read_python_metadata
from tests.peak_memory import run_measured
from tests.unit.targets.mcpb_zips import MiB, repeated, stored, write_zip

METADATA = b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n\nmcp-name: io.github.a/demo\n"


def gzipped_tar(path: Path, members: list[tuple[str, bytes, int]]) -> Path:
    """A .tar.gz of ``(name, fill, mebibytes)`` members, each ``fill`` repeated to its size, built in ~1 KB/MiB:
    every compressed piece ends with a full flush, so one compressed MiB can be repeated."""
    pieces: list[tuple[bytes, int]] = []
    for name, fill, mebibytes in members:
        info = tarfile.TarInfo(name)
        info.size = mebibytes * MiB if len(fill) == 1 else len(fill)
        pieces.append((info.tobuf(format=tarfile.PAX_FORMAT), 1))
        pieces.append((fill * MiB, mebibytes) if len(fill) == 1 else (fill + bytes(-len(fill) % 512), 1))
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


def test_a_wheel_whose_metadata_inflates_to_a_gigabyte_is_refused_in_bounded_memory(tmp_path: Path) -> None:
    wheel = write_zip(
        tmp_path / "demo-1.0-py3-none-any.whl", [repeated("demo-1.0.dist-info/METADATA", 1024, first=METADATA)]
    )
    assert wheel.stat().st_size < 2 * MiB
    with pytest.raises(ValueError, match=r"demo-1\.0\.dist-info/METADATA is larger than 16 MiB"):
        read_python_metadata(wheel)
    code = (
        "import pathlib, sys\n"
        "from mcpship.server_json._artifact_files import read_python_metadata\n"
        "try: read_python_metadata(pathlib.Path(sys.argv[1]))\n"
        "except ValueError as error: print(error)"
    )
    measured = run_measured([sys.executable, "-c", code, str(wheel)])
    assert (measured.returncode, measured.stdout.strip()) == (0, "demo-1.0.dist-info/METADATA is larger than 16 MiB")
    assert measured.peak_kib < 300 * 1024, measured.peak_kib


def test_a_wheel_listing_too_many_entries_is_refused_before_zipfile_parses_it(tmp_path: Path) -> None:
    entries = [stored("demo-1.0.dist-info/METADATA", METADATA), *(stored(f"x/{i}", b"") for i in range(100_001))]
    wheel = write_zip(tmp_path / "demo-1.0-py3-none-any.whl", entries, declared_entries=1)
    with pytest.raises(ValueError, match="lists more than 100000 entries"):
        read_python_metadata(wheel)
    small = write_zip(tmp_path / "ok.whl", entries[:3])
    with open_zip(small) as archive:
        assert len(archive.namelist()) == 3


def test_sdists_and_npm_tarballs_are_read_as_bounded_streams(tmp_path: Path) -> None:
    sdist = gzipped_tar(tmp_path / "demo-1.0.tar.gz", [("demo-1.0/PKG-INFO", METADATA, 0)])
    assert read_python_metadata(sdist).name == "demo"
    huge_member = gzipped_tar(tmp_path / "huge-1.0.tar.gz", [("huge-1.0/PKG-INFO", b"a", 1024)])
    with pytest.raises(ValueError, match=r"huge-1\.0/PKG-INFO is larger than 16 MiB"):
        read_python_metadata(huge_member)
    # The wanted member after 300 MiB of padding: the scan stops at the cap instead of inflating everything.
    padded = gzipped_tar(
        tmp_path / "pad-1.0.tar.gz",
        [("pad-1.0/blob", b"\x00", 300), ("package/package.json", b'{"name": "x"}', 0)],
    )
    with pytest.raises(ValueError, match=f"unpacks to more than {MAX_SCANNED_BYTES >> 20} MiB"):
        read_npm_manifest(padded)
    npm = gzipped_tar(tmp_path / "x-1.0.0.tgz", [("package/package.json", b'{"name": "x", "mcpName": "y"}', 0)])
    assert read_npm_manifest(npm) == ("package/package.json", {"name": "x", "mcpName": "y"})
    garbage = tmp_path / "bad.tar.gz"
    garbage.write_bytes(b"\x1f\x8b\x08\x00" + io.BytesIO(b"not deflate at all").read())
    with pytest.raises(ValueError, match="not a readable archive"):
        read_npm_manifest(garbage)
