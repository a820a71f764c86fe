"""Unpacking refuses any entry that could land outside the destination, and strips a signature first."""

from __future__ import annotations

import re
import stat
import warnings
import zipfile
from pathlib import Path

import pytest

from mcpship._exceptions import InvalidArtifactError
from mcpship.targets.mcpb.archive import BundleLimits
from mcpship.targets.mcpb.signing import signature_block
from mcpship.targets.mcpb.unpack import unpack_bundle
from mcpship.validate.mcpb import validate_bundle

Entry = tuple[str, bytes, int]  # name, data, unix mode (with file type bits)
FILE = stat.S_IFREG | 0o644
LINK = stat.S_IFLNK | 0o777


def bundle(path: Path, *entries: Entry) -> Path:
    with zipfile.ZipFile(path, "w") as archive, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate entry one case writes on purpose
        for name, data, mode in entries:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.create_system = 3
            info.external_attr = mode << 16
            archive.writestr(info, data)
    return path


MANIFEST: Entry = ("manifest.json", b"{}", FILE)


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        (("../evil.txt", b"x", FILE), "zip slip"),
        (("server/../../evil.txt", b"x", FILE), "zip slip"),
        (("/etc/evil.txt", b"x", FILE), "absolute"),
        (("C:/evil.txt", b"x", FILE), "absolute"),
        (("server\\..\\..\\evil.txt", b"x", FILE), "backslashes"),
        (("link", b"/etc/passwd", LINK), "absolute path"),
        (("server/link", b"../../outside", LINK), "outside the bundle"),
        (("manifest.json", b"{}", FILE), "appears twice"),
        (("fifo", b"", stat.S_IFIFO | 0o644), "FIFO"),
    ],
)
def test_an_unsafe_entry_refuses_the_whole_bundle(tmp_path: Path, entry: Entry, reason: str) -> None:
    path = bundle(tmp_path / "evil.mcpb", MANIFEST, entry)
    with pytest.raises(InvalidArtifactError, match=reason):
        unpack_bundle(path, tmp_path / "out")
    assert not (tmp_path / "out").exists()
    assert not (tmp_path / "evil.txt").exists()
    assert list(tmp_path.iterdir()) == [path]  # no half-unpacked temporary folder left behind
    assert any(reason in p.message for p in validate_bundle(path))


def test_a_chain_of_links_that_leads_out_is_refused_after_all(tmp_path: Path) -> None:
    # Each target looks inside on its own; only followed one through the other does "up" leave the bundle.
    path = bundle(
        tmp_path / "chain.mcpb",
        MANIFEST,
        ("a/b/c/up", b"../../..", LINK),
        ("escape", b"a/b/c/up/..", LINK),
    )
    reason = "'escape' is a symlink to 'a/b/c/up/..', which leads outside the bundle through 'a/b/c/up' -> '../../..'"
    with pytest.raises(InvalidArtifactError, match=re.escape(reason)):
        unpack_bundle(path, tmp_path / "out")
    assert not (tmp_path / "out").exists()
    assert reason in [p.message for p in validate_bundle(path)]


def test_a_safe_bundle_unpacks_with_modes_links_inside_and_no_setuid(tmp_path: Path) -> None:
    path = bundle(
        tmp_path / "ok.mcpb",
        MANIFEST,
        ("server/run.sh", b"#!/bin/sh\n", stat.S_IFREG | stat.S_ISUID | 0o755),
        ("server/data.txt", b"data", FILE),
        ("server/alias.txt", b"data.txt", LINK),
    )
    out = unpack_bundle(path, tmp_path / "out")
    assert (out / "manifest.json").read_bytes() == b"{}"
    assert stat.S_IMODE((out / "server/run.sh").stat().st_mode) == 0o755
    assert stat.S_IMODE((out / "server/data.txt").stat().st_mode) == 0o644
    assert (out / "server/alias.txt").read_text(encoding="utf-8") == "data"


def test_a_signature_block_is_stripped_before_unpacking(tmp_path: Path) -> None:
    path = bundle(tmp_path / "signed.mcpb", MANIFEST)
    path.write_bytes(path.read_bytes() + signature_block(b"\x30\x00"))
    assert (unpack_bundle(path, tmp_path / "out") / "manifest.json").is_file()


def test_a_damaged_signature_block_or_a_non_empty_destination_is_refused(tmp_path: Path) -> None:
    path = bundle(tmp_path / "bad.mcpb", MANIFEST)
    path.write_bytes(path.read_bytes() + b"MCPB_SIG_V1\xff\xff\xff\xffMCPB_SIG_END")
    with pytest.raises(InvalidArtifactError, match="no well-formed MCPB_SIG_V1 block"):
        unpack_bundle(path, tmp_path / "out")
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "x").write_text("keep", encoding="utf-8")
    with pytest.raises(InvalidArtifactError, match="not an empty folder"):
        unpack_bundle(bundle(tmp_path / "ok.mcpb", MANIFEST), busy)
    assert (busy / "x").read_text(encoding="utf-8") == "keep"


def test_a_zip_bomb_is_cut_off(tmp_path: Path) -> None:
    path = bundle(tmp_path / "big.mcpb", MANIFEST, ("zeros", bytes(4096), FILE))
    with pytest.raises(InvalidArtifactError, match="unpacks to 4098 bytes, more than the 1000 bytes allowed"):
        unpack_bundle(path, tmp_path / "out", limits=BundleLimits(max_unpacked_bytes=1000))
    assert not (tmp_path / "out").exists()
