"""Unpacking refuses any entry that could land outside the destination, and strips a signature first."""

from __future__ import annotations

import os
import re
import stat
import warnings
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mcpship._exceptions import InvalidArtifactError
from mcpship.targets.mcpb.archive import BundleArchive, BundleLimits, open_bundle
from mcpship.targets.mcpb.signing import signature_block
from mcpship.targets.mcpb.unpack import unpack_bundle
from mcpship.validate.mcpb import validate_bundle

Entry = tuple[str, bytes, int]  # name, data, unix mode (with file type bits)
FILE = stat.S_IFREG | 0o644
LINK = stat.S_IFLNK | 0o777
DIR = stat.S_IFDIR | 0o755


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


def test_a_bundle_unpacks_into_an_empty_folder_or_one_not_made_yet(tmp_path: Path) -> None:
    path = bundle(tmp_path / "ok.mcpb", MANIFEST)
    empty = tmp_path / "empty"
    empty.mkdir()
    assert (unpack_bundle(path, empty) / "manifest.json").read_bytes() == b"{}"
    deep = unpack_bundle(path, tmp_path / "a" / "b" / "out")
    assert (deep / "manifest.json").read_bytes() == b"{}"
    assert sorted(p.name for p in (tmp_path / "a" / "b").iterdir()) == ["out"]


def test_a_destination_that_is_a_file_is_refused(tmp_path: Path) -> None:
    taken = tmp_path / "taken"
    taken.write_text("keep", encoding="utf-8")
    with pytest.raises(InvalidArtifactError) as raised:
        unpack_bundle(bundle(tmp_path / "ok.mcpb", MANIFEST), taken)
    assert (raised.value.message, raised.value.hint) == (
        f"{taken}: exists and is not an empty folder",
        "unpack somewhere new",
    )
    assert taken.read_text(encoding="utf-8") == "keep"


def test_a_bundle_is_unpacked_in_a_hidden_sibling_then_renamed_into_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[Path] = []
    extract = BundleArchive.extract

    def spy(self: BundleArchive, root: Path) -> None:
        seen.append(root)
        extract(self, root)

    monkeypatch.setattr(BundleArchive, "extract", spy)
    out = unpack_bundle(bundle(tmp_path / "ok.mcpb", MANIFEST), tmp_path / "out")
    [partial] = seen
    assert partial.parent == tmp_path
    assert partial.name.startswith(".out.")
    assert not partial.exists()
    assert (out / "manifest.json").is_file()


def test_a_file_that_cannot_be_written_fails_the_unpacking_whole_and_says_why(tmp_path: Path) -> None:
    # A 300-byte file name: a valid entry name, but more than a Linux file system takes in one component.
    path = bundle(tmp_path / "long.mcpb", MANIFEST, ("server/" + "a" * 300, b"x", FILE))
    with pytest.raises(InvalidArtifactError) as raised:
        unpack_bundle(path, tmp_path / "out")
    assert raised.value.message.startswith(f"{path}: cannot unpack it into {tmp_path / 'out'}: [Errno 36] File name")
    assert raised.value.hint == "check the disk space and permissions"
    assert list(tmp_path.iterdir()) == [path]  # nothing half-unpacked left behind


@pytest.mark.parametrize(
    ("failure", "expected"),
    [(OSError(28, "No space left on device"), InvalidArtifactError), (KeyboardInterrupt(), KeyboardInterrupt)],
)
def test_a_cleanup_that_fails_too_does_not_hide_why_unpacking_failed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: BaseException, expected: type[BaseException]
) -> None:
    def fail(self: BundleArchive, root: Path) -> None:
        root.rmdir()  # the temporary folder is already gone: removing it again fails
        raise failure

    monkeypatch.setattr(BundleArchive, "extract", fail)
    path = bundle(tmp_path / "ok.mcpb", MANIFEST)
    with pytest.raises(expected) as raised:
        unpack_bundle(path, tmp_path / "out")
    if isinstance(raised.value, InvalidArtifactError):
        assert (
            raised.value.message
            == f"{path}: cannot unpack it into {tmp_path / 'out'}: [Errno 28] No space left on device"
        )
    assert list(tmp_path.iterdir()) == [path]


def test_an_interrupted_unpacking_leaves_nothing_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(self: BundleArchive, root: Path) -> None:
        (root / "half.txt").write_text("x", encoding="utf-8")
        raise KeyboardInterrupt

    monkeypatch.setattr(BundleArchive, "extract", interrupted)
    path = bundle(tmp_path / "ok.mcpb", MANIFEST)
    with pytest.raises(KeyboardInterrupt):
        unpack_bundle(path, tmp_path / "out")
    assert list(tmp_path.iterdir()) == [path]


def test_folders_unpack_whether_empty_or_listed_after_their_files_and_links_get_their_folders(tmp_path: Path) -> None:
    path = bundle(
        tmp_path / "dirs.mcpb",
        MANIFEST,
        ("server/run.js", b"run", FILE),
        ("server/", b"", DIR),
        ("empty/", b"", DIR),
        ("deep/er/link", b"../../server/run.js", LINK),
    )
    out = unpack_bundle(path, tmp_path / "out")
    assert (out / "empty").is_dir()
    assert list((out / "empty").iterdir()) == []
    assert (out / "server/run.js").read_bytes() == b"run"
    assert (out / "deep/er/link").is_symlink()
    assert (out / "deep/er/link").read_bytes() == b"run"


@pytest.mark.parametrize(
    ("mode", "unpacked"),
    [(0o744, 0o755), (0o654, 0o755), (0o645, 0o755), (0o666, 0o644), (0o600, 0o644)],
)
def test_a_file_with_any_execute_bit_unpacks_executable_for_all_and_others_read_only(
    tmp_path: Path, mode: int, unpacked: int
) -> None:
    path = bundle(tmp_path / "modes.mcpb", MANIFEST, ("run", b"#!/bin/sh\n", stat.S_IFREG | mode))
    out = unpack_bundle(path, tmp_path / "out")
    assert stat.S_IMODE((out / "run").stat().st_mode) == unpacked


def test_extracting_never_writes_through_a_symlink_already_in_the_way(tmp_path: Path) -> None:
    # Someone racing the unpacking plants a link where a file is about to be written: the write fails instead.
    outside = tmp_path / "outside.txt"
    outside.write_text("keep", encoding="utf-8")
    root = tmp_path / "root"
    (root / "server").mkdir(parents=True)
    (root / "server/data.txt").symlink_to(outside)
    path = bundle(tmp_path / "ok.mcpb", MANIFEST, ("server/data.txt", b"overwritten", FILE))
    with open_bundle(path) as archive, pytest.raises(FileExistsError):
        archive.extract(root)
    assert outside.read_text(encoding="utf-8") == "keep"


def test_a_folder_entry_unpacks_with_the_folders_above_it(tmp_path: Path) -> None:
    path = bundle(tmp_path / "deep.mcpb", ("a/b/c/", b"", DIR), MANIFEST)
    out = unpack_bundle(path, tmp_path / "out")
    assert (out / "a/b/c").is_dir()
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*")) == ["a", "a/b", "a/b/c", "manifest.json"]


def test_a_file_is_created_with_its_final_mode_not_opened_wider_while_it_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = bundle(tmp_path / "modes.mcpb", MANIFEST, ("run", b"#!/bin/sh\n", stat.S_IFREG | 0o755))
    root = tmp_path / "root"
    root.mkdir()
    seen: dict[str, int] = {}
    stream = BundleArchive._stream

    def spy(self: BundleArchive, info: zipfile.ZipInfo, **options: Any) -> Iterator[bytes]:
        seen[info.filename] = stat.S_IMODE((root / info.filename).stat().st_mode)  # created, nothing written yet
        yield from stream(self, info, **options)

    with open_bundle(path) as archive:
        monkeypatch.setattr(BundleArchive, "_stream", spy)
        umask = os.umask(0)  # nothing narrows the mode given at creation
        try:
            archive.extract(root)
        finally:
            os.umask(umask)
    assert seen == {"manifest.json": 0o644, "run": 0o755}
