"""Reproducible layers: same files, same bytes, whatever the files' times, owners and the machine."""

from __future__ import annotations

import gzip
import io
import os
import tarfile
from pathlib import Path

import pytest

from mcpship._exceptions import BuildError
from mcpship.targets.oci import directory_layer, files_layer

EPOCH = 1_700_000_000


def members(layer_path: Path) -> list[tarfile.TarInfo]:
    with tarfile.open(layer_path, mode="r:gz") as archive:
        return archive.getmembers()


def sample_files(root: Path) -> dict[str, Path | bytes]:
    root.mkdir(parents=True, exist_ok=True)
    (root / "run.sh").write_text("#!/bin/sh\necho hi\n")
    (root / "run.sh").chmod(0o700)
    (root / "data.txt").write_text("data\n")
    (root / "data.txt").chmod(0o600)
    return {"/app/bin/run.sh": root / "run.sh", "/app/lib/data.txt": root / "data.txt", "/app/main.py": b"print(1)\n"}


def test_the_same_files_give_the_same_layer_digest(tmp_path: Path) -> None:
    first = files_layer(tmp_path / "a.tar.gz", sample_files(tmp_path / "one"), epoch=EPOCH)
    files = sample_files(tmp_path / "two")
    for source in files.values():
        if isinstance(source, Path):
            os.utime(source, (12345, 12345))
    second = files_layer(tmp_path / "b.tar.gz", files, epoch=EPOCH)
    assert (first.digest, first.diff_id, first.size) == (second.digest, second.diff_id, second.size)
    assert first.path.read_bytes() == second.path.read_bytes()


def test_a_different_epoch_gives_a_different_layer(tmp_path: Path) -> None:
    first = files_layer(tmp_path / "a.tar.gz", sample_files(tmp_path / "one"), epoch=EPOCH)
    second = files_layer(tmp_path / "b.tar.gz", sample_files(tmp_path / "one"), epoch=EPOCH + 1)
    assert first.digest != second.digest


def test_entries_are_sorted_with_parents_fixed_owner_time_and_modes(tmp_path: Path) -> None:
    layer = files_layer(tmp_path / "l.tar.gz", sample_files(tmp_path / "src"), epoch=EPOCH)
    entries = members(layer.path)
    assert [m.name for m in entries] == [
        "app",
        "app/bin",
        "app/bin/run.sh",
        "app/lib",
        "app/lib/data.txt",
        "app/main.py",
    ]
    assert {(m.uid, m.gid, m.uname, m.gname, m.mtime) for m in entries} == {(0, 0, "", "", EPOCH)}
    modes = {m.name: (m.type, m.mode) for m in entries}
    assert modes["app"] == (tarfile.DIRTYPE, 0o755)
    assert modes["app/bin/run.sh"] == (tarfile.REGTYPE, 0o755)
    assert modes["app/lib/data.txt"] == (tarfile.REGTYPE, 0o644)


def test_the_gzip_header_has_no_time_and_no_file_name(tmp_path: Path) -> None:
    layer = files_layer(tmp_path / "named-layer.tar.gz", {"/x": b"x"}, epoch=EPOCH)
    header = layer.path.read_bytes()[:10]
    assert header[:3] == b"\x1f\x8b\x08"
    assert header[3] & 0x08 == 0  # FNAME flag unset
    assert header[4:8] == b"\0\0\0\0"  # MTIME 0


def test_digests_name_the_compressed_and_the_uncompressed_bytes(tmp_path: Path) -> None:
    import hashlib

    layer = files_layer(tmp_path / "l.tar.gz", {"/x": b"x"}, epoch=EPOCH)
    compressed = layer.path.read_bytes()
    assert layer.digest == "sha256:" + hashlib.sha256(compressed).hexdigest()
    assert layer.diff_id == "sha256:" + hashlib.sha256(gzip.decompress(compressed)).hexdigest()
    assert layer.size == len(compressed)


def make_rootfs(root: Path) -> Path:
    (root / "usr" / "bin").mkdir(parents=True)
    (root / "usr" / "bin" / "tool").write_bytes(b"\x7fELF")
    (root / "usr" / "bin" / "tool").chmod(0o755)
    os.link(root / "usr" / "bin" / "tool", root / "usr" / "bin" / "tool-alias")
    (root / "bin").symlink_to("usr/bin")
    (root / "dev").mkdir()
    (root / "dev" / "null-ish").write_text("skipped")
    (root / "etc").mkdir()
    (root / "etc" / "shadow").write_text("root:*:1::::::\n")
    (root / "etc" / "shadow").chmod(0o640)
    return root


def test_a_root_file_system_keeps_links_and_modes_and_leaves_dev_empty(tmp_path: Path) -> None:
    layer = directory_layer(tmp_path / "base.tar.gz", make_rootfs(tmp_path / "rootfs"), epoch=0)
    entries = {m.name: m for m in members(layer.path)}
    assert sorted(entries) == [
        "bin",
        "dev",
        "etc",
        "etc/shadow",
        "usr",
        "usr/bin",
        "usr/bin/tool",
        "usr/bin/tool-alias",
    ]
    assert entries["bin"].issym()
    assert entries["bin"].linkname == "usr/bin"
    assert entries["usr/bin/tool-alias"].islnk()
    assert entries["usr/bin/tool-alias"].linkname == "usr/bin/tool"
    assert entries["etc/shadow"].mode == 0o640
    assert entries["dev"].isdir()
    assert {m.mtime for m in entries.values()} == {0}


def test_a_root_file_system_layer_is_reproducible(tmp_path: Path) -> None:
    first = directory_layer(tmp_path / "a.tar.gz", make_rootfs(tmp_path / "one"), epoch=0)
    second = directory_layer(tmp_path / "b.tar.gz", make_rootfs(tmp_path / "two"), epoch=0)
    assert first.digest == second.digest


def test_a_missing_root_file_system_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(BuildError, match="is not a folder"):
        directory_layer(tmp_path / "x.tar.gz", tmp_path / "missing", epoch=0)


def test_layers_extract_with_the_strict_data_filter(tmp_path: Path) -> None:
    layer = files_layer(tmp_path / "l.tar.gz", sample_files(tmp_path / "src"), epoch=EPOCH)
    with tarfile.open(fileobj=io.BytesIO(layer.path.read_bytes()), mode="r:gz") as archive:
        archive.extractall(tmp_path / "out", filter="data")
    assert (tmp_path / "out" / "app" / "main.py").read_text() == "print(1)\n"
