"""The one reader of untrusted bundles: validate, unpack and verify refuse the same hostile zips in the same words,
without reading more than the limits allow."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import stat
import zipfile
import zlib
from pathlib import Path
from typing import Any, cast

import pytest

from mcpship._exceptions import InvalidArtifactError
from mcpship._reporter import NullReporter
from mcpship.interface.lock import InterfaceLock
from mcpship.targets._base import Artifact
from mcpship.targets.mcpb._bundle_errors import DAMAGED_HINT, UNSAFE_HINT
from mcpship.targets.mcpb.archive import (
    BundleError,
    BundleLimits,
    UnsafeBundleError,
    _Prefix,
    open_bundle,
    parse_manifest,
)
from mcpship.targets.mcpb.signing import MAX_SIGNATURE_BYTES, signature_block
from mcpship.targets.mcpb.unpack import unpack_bundle
from mcpship.validate import validate_paths
from mcpship.validate.mcpb import validate_bundle
from mcpship.verify.mcpb import verify_bundle
from mcpship.verify.result import VerifyResult
from tests.unit.targets.mcpb_zips import (
    FILE,
    LINK,
    MANIFEST,
    STORED,
    MiB,
    Raw,
    deflated,
    manifest,
    repeated,
    spy_on_zip_reads,
    stored,
    write_zip,
)

INDEX = stored("server/index.js", b"console.log('hi')\n")
DIR = stat.S_IFDIR | 0o755


def messages(path: Path, **options: Any) -> list[str]:
    return [p.message for p in validate_bundle(path, **options) if p.severity == "error"]


def verified(path: Path, limits: BundleLimits | None = None) -> VerifyResult:
    def run(*_: object, **__: object) -> VerifyResult:
        raise AssertionError("an unsafe bundle must never be started")

    artifact = Artifact(
        target="mcpb",
        kind="mcpb",
        path=path,
        sha256="0" * 64,
        size=path.stat().st_size,
        version="1.0.0",
        lock_digest=None,
    )
    lock = InterfaceLock({"digest": "sha256:0"})
    return verify_bundle(artifact, lock, {}, 10.0, NullReporter(), run=run, limits=limits)


def test_chained_symlinks_that_escape_are_refused_by_validate_unpack_and_verify_alike(tmp_path: Path) -> None:
    # Each target looks harmless alone (normpath("d1/x/..") is "d1"); followed through each other they climb out.
    path = write_zip(
        tmp_path / "chain.mcpb",
        [
            manifest(),
            INDEX,
            stored("d1/x", b"..", LINK),
            stored("d1/y", b"x/..", LINK),
            stored("esc", b"d1/y/..", LINK),
        ],
    )
    first = "'d1/y' is a symlink to 'x/..', which leads outside the bundle through 'd1/x' -> '..'"
    second = "'esc' is a symlink to 'd1/y/..', which leads outside the bundle through 'd1/y' -> 'x/..', 'd1/x' -> '..'"
    assert messages(path) == [first, second]
    with pytest.raises(UnsafeBundleError) as raised:
        unpack_bundle(path, tmp_path / "out")
    assert raised.value.exit_code == 9
    assert raised.value.message == f"{path}: refusing to unpack: {first} (and 1 more unsafe entries)"
    assert (raised.value.file, raised.value.entry) == (str(path), "d1/y")
    assert raised.value.hint is not None
    result = verified(path)
    assert result.status == "failed"
    assert first in result.detail
    assert sorted(p.name for p in tmp_path.iterdir()) == ["chain.mcpb"]  # nothing unpacked, nothing left over


def test_a_symlink_resolving_to_exactly_dotdot_is_refused_by_validate_unpack_and_verify_alike(tmp_path: Path) -> None:
    # "up -> .." at the root names the folder the bundle is unpacked into's parent: one level out, no further.
    path = write_zip(tmp_path / "up.mcpb", [manifest(), INDEX, stored("up", b"..", LINK)])
    reason = "'up' is a symlink to '..', which leads outside the bundle"
    assert messages(path) == [reason]
    refusal = f"{path}: refusing to unpack: {reason}"
    with pytest.raises(UnsafeBundleError) as raised:
        unpack_bundle(path, tmp_path / "out")
    assert raised.value.message == refusal
    assert (raised.value.file, raised.value.entry, raised.value.exit_code) == (str(path), "up", 9)
    assert raised.value.hint == UNSAFE_HINT
    result = verified(path)
    assert (result.status, result.detail) == ("failed", refusal)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["up.mcpb"]


def test_a_symlink_to_dotdot_from_a_subfolder_leads_to_the_root_and_is_accepted(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "root.mcpb", [manifest(), INDEX, stored("server/top", b"..", LINK)])
    assert messages(path) == []
    with open_bundle(path) as archive:
        assert archive.exists("server/top")
        assert archive.exists("server/top/server/index.js")
        assert archive.head("server/top/manifest.json", 1) == b"{"
    out = unpack_bundle(path, tmp_path / "out")
    assert (out / "server/top").resolve() == out.resolve()


def test_links_that_stay_inside_are_followed_the_same_way_when_validating(tmp_path: Path) -> None:
    # icon.png -> assets/current -> v2/icon.png: validate finds the PNG through both links, as a host would.
    png = b"\x89PNG\r\n\x1a\n" + bytes(16)
    path = write_zip(
        tmp_path / "ok.mcpb",
        [
            manifest(icon="icon.png"),
            INDEX,
            stored("assets/v2/icon.png", png),
            stored("assets/current", b"v2", LINK),
            stored("icon.png", b"assets/current/icon.png", LINK),
            stored("server/up", b"../assets/current/..", LINK),
        ],
    )
    assert messages(path) == []
    out = unpack_bundle(path, tmp_path / "out")
    assert (out / "icon.png").read_bytes() == png
    assert (out / "server/up").resolve() == (out / "assets").resolve()


@pytest.mark.parametrize(
    ("entries", "reason"),
    [
        (
            [stored("a", b"b", LINK), stored("b", b"a", LINK)],
            "'a' is a symlink to 'b', which is in a loop of symlinks or a chain of more than 40 through 'b' -> 'a'",
        ),
        ([stored("a", b"a/x", LINK)], "'a' is a symlink to 'a/x', which is in a loop of symlinks"),
        ([stored("a", b"/etc/passwd", LINK)], "'a' is a symlink to the absolute path '/etc/passwd'"),
        ([stored("a", b"C:/Windows", LINK)], "'a' is a symlink to the absolute path 'C:/Windows'"),
        ([stored("a", b"..\\evil", LINK)], "'a' is a symlink to the absolute path '..\\\\evil'"),
        ([stored("a", b"", LINK)], "'a' is a symlink with an empty target or a NUL byte"),
        ([stored("a", b"server\x00x", LINK)], "'a' is a symlink with an empty target or a NUL byte"),
        ([stored("a", b"x" * 1025, LINK)], "'a' is a symlink whose target is longer than 1 KiB"),
        ([stored("a", b"\xff", LINK)], "'a' is a symlink whose target is not UTF-8"),
        ([Raw("a", repeated("a", 1024, fill=b"a").payload, 0, 1000, mode=LINK)], "'a' is damaged: Bad CRC-32"),
        ([stored("a", b"server", LINK), stored("a/evil.js", b"")], "'a/evil.js' lies under 'a', which is a symlink"),
    ],
)
def test_unsafe_symlinks_are_refused(tmp_path: Path, entries: list[Raw], reason: str) -> None:
    path = write_zip(tmp_path / "links.mcpb", [manifest(), INDEX, *entries])
    assert any(reason in message for message in messages(path)), messages(path)
    with pytest.raises(InvalidArtifactError, match=re.escape(reason)):
        unpack_bundle(path, tmp_path / "out")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("names", "reason"),
    [
        (["server/Index.js"], "collides with 'server/index.js': both unpack to the same path"),
        (["server/./index.js"], "collides with 'server/index.js'"),
        (["caf\u00e9.js", "cafe\u0301.js"], "collides with 'café.js'"),  # NFC and NFD: one file on macOS
        (["server/index.js/x"], "lies under 'server/index.js', which is a file"),
        (["a" * 1025], "has a name longer than 1024 bytes"),
        (["x\x00y"], "'x\\x00y' has an empty name or a NUL byte"),
        (["server\\..\\..\\evil.js"], "'server\\\\..\\\\..\\\\evil.js' uses backslashes"),
        (["server/index.js"], "'server/index.js' appears twice; which copy wins would depend on the unpacker"),
    ],
)
def test_names_that_would_collide_or_cannot_be_created_are_refused(
    tmp_path: Path, names: list[str], reason: str
) -> None:
    path = write_zip(tmp_path / "names.mcpb", [manifest(), INDEX, *(stored(name, b"x") for name in names)])
    assert any(reason in message for message in messages(path)), messages(path)
    with pytest.raises(UnsafeBundleError, match="refusing to unpack"):
        unpack_bundle(path, tmp_path / "out")


def test_a_folder_listed_twice_is_harmless_but_a_file_and_a_folder_of_one_name_collide(tmp_path: Path) -> None:
    folder = stored("server/", b"", DIR)
    twice = write_zip(tmp_path / "twice.mcpb", [manifest(), folder, INDEX, folder])
    assert messages(twice) == []
    collide = " both unpack to the same path (on macOS and Windows at least, which compare names without case), so"
    for first, second in (("server/", "Server"), ("Server", "server/")):
        entries = [stored(name, b"", DIR if name.endswith("/") else FILE) for name in (first, second)]
        path = write_zip(tmp_path / "both.mcpb", [manifest(), INDEX, *entries])
        assert messages(path)[0] == f"{second!r} collides with {first!r}:{collide} one would overwrite the other"


def test_an_entry_over_the_size_limits_is_refused_from_its_header_without_being_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A 1 GiB entry in a 1 MB file, with a symlink the icon check would follow to it.
    path = write_zip(
        tmp_path / "big.mcpb",
        [manifest(icon="icon.png"), INDEX, repeated("big.bin", 1024), stored("icon.png", b"big.bin", LINK)],
    )
    assert path.stat().st_size < 2 * MiB
    opened: list[str] = []
    real_open = zipfile.ZipFile.open

    def spy(self: zipfile.ZipFile, name: Any, *args: Any, **kwargs: Any) -> Any:
        opened.append(name if isinstance(name, str) else name.filename)
        return real_open(self, name, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", spy)
    found = messages(path)
    assert "'big.bin' unpacks to 1073741824 bytes, more than the 512 MiB allowed" in found
    assert any("more than the 1 GiB allowed" in message for message in found)
    assert "big.bin" not in opened


def test_headers_that_understate_an_entry_do_not_make_the_reader_produce_more(tmp_path: Path) -> None:
    # Declared 1000 bytes, the stream inflates to 1 GiB: reading stops at the declared size and the CRC fails.
    path = write_zip(tmp_path / "liar.mcpb", [manifest(), INDEX, repeated("data.bin", 1024, declared=1000)])
    assert messages(path) == ["'data.bin' is damaged: Bad CRC-32 for file 'data.bin'"]
    with pytest.raises(InvalidArtifactError, match="is damaged"):
        unpack_bundle(path, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_manifest_over_1_mib_is_refused_without_being_read_whole(tmp_path: Path) -> None:
    text = json.dumps(MANIFEST).encode()
    padded = stored("manifest.json", text + b" " * (2 * MiB - len(text)))
    path = write_zip(tmp_path / "fat.mcpb", [padded, INDEX])
    assert messages(path) == ["'manifest.json' is 2097152 bytes; a manifest may have at most 1 MiB"]
    # A gigabyte one is refused by the entry limits before the manifest is even looked at.
    huge = write_zip(tmp_path / "huge.mcpb", [repeated("manifest.json", 1024, fill=b" ", first=text), INDEX])
    assert messages(huge)[0] == "'manifest.json' unpacks to 1073741824 bytes, more than the 512 MiB allowed"
    # A header that understates it changes nothing: reading stops at the declared size, and the CRC fails.
    liar = write_zip(tmp_path / "liar.mcpb", [Raw("manifest.json", padded.payload, padded.crc, 1000, 0), INDEX])
    assert messages(liar) == ["'manifest.json' is damaged: Bad CRC-32 for file 'manifest.json'"]


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b'{"a": NaN}', "not valid JSON (NaN is not a JSON number)"),
        (b'{"a": 1e999}', "not valid JSON (number 1e999 is out of range"),
        (b'{"a": "\\ud800"}', "not valid JSON (a lone UTF-16 surrogate escape"),
        (b"\xff\xfe{}", "not UTF-8 (byte 0)"),
        (b"[" * 100_000, "nested more than 64 levels deep"),  # counted before parsing: never a RecursionError
        (b"[" * 70 + b"]" * 70, "nested more than 64 levels deep"),
        (b"1" * 5000, "not valid JSON (number 1111111111111111111111111111111111111111… (5000 digits) is out of range"),
    ],
)
def test_a_manifest_that_is_not_plain_json_is_a_problem_not_a_crash(tmp_path: Path, raw: bytes, reason: str) -> None:
    path = write_zip(tmp_path / "odd.mcpb", [deflated("manifest.json", raw), INDEX])
    assert reason in messages(path)[0]


def test_too_many_entries_are_refused_before_zipfile_lists_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    entries = [manifest(), INDEX, *(stored(f"f/{i}", b"") for i in range(100_001))]
    honest = write_zip(tmp_path / "many.mcpb", entries)
    lying = write_zip(tmp_path / "lying.mcpb", entries, declared_entries=2)  # the end record claims 2

    def never(*_: object, **__: object) -> None:
        raise AssertionError("zipfile must not parse a directory over the limit")

    monkeypatch.setattr(zipfile, "ZipFile", never)
    for path in (honest, lying):
        with pytest.raises(UnsafeBundleError, match="has 100003 entries, more than the 100000 allowed") as raised:
            open_bundle(path)
        assert raised.value.hint == "if you trust this bundle, raise the limit with --max-entries"
        assert messages(path) == ["has 100003 entries, more than the 100000 allowed"]


def test_zip64_end_records_are_read_and_counted_like_the_others(tmp_path: Path) -> None:
    entries = [manifest(), INDEX, *(stored(f"f/{i}", b"") for i in range(20))]
    path = write_zip(tmp_path / "zip64.mcpb", entries, zip64=True)  # what a packer writes past 65535 entries
    assert messages(path) == []
    lying = write_zip(tmp_path / "lying.mcpb", entries, zip64=True, declared_entries=1)
    for bundle in (path, lying):
        assert messages(bundle, limits=BundleLimits(max_entries=10)) == ["has 22 entries, more than the 10 allowed"]


def test_a_ratio_bomb_and_entries_sharing_their_data_are_refused(tmp_path: Path) -> None:
    bomb = write_zip(tmp_path / "bomb.mcpb", [manifest(), INDEX, repeated("data.bin", 300)])
    assert messages(bomb) == [
        "'data.bin' expands 1011:1 (311102 bytes to 314572800), more than the 200:1 allowed: a zip bomb"
    ]
    # Overlapping entries: many directory records pointing at one compressed stream (no ratio in the headers).
    kernel = stored("k0", bytes(4096))
    copies = [Raw(f"k{i}", kernel.payload, kernel.crc, kernel.size, kernel.method, offset_of="k0") for i in range(1, 4)]
    shared = write_zip(tmp_path / "shared.mcpb", [manifest(), INDEX, kernel, *copies])
    found = messages(shared)
    assert "'k0' overlaps 'k1' in the file (a zip bomb technique)" in found
    with pytest.raises(UnsafeBundleError, match="overlaps"):
        unpack_bundle(shared, tmp_path / "out")


def test_small_files_may_compress_any_amount_and_limits_can_be_raised(tmp_path: Path) -> None:
    entries = [manifest(), INDEX, deflated("blank.txt", bytes(512 * 1024))]
    path = write_zip(tmp_path / "ok.mcpb", entries)
    assert messages(path) == []  # 512 KiB of zeros: ratio ~1000 but under the 1 MiB grace
    total = sum(entry.size for entry in entries)
    assert messages(path, limits=BundleLimits(max_unpacked_bytes=100_000)) == [
        f"unpacks to {total} bytes, more than the 100000 bytes allowed"
    ]


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        (
            Raw("a.bin", b"xx", 0, 2, method=12),
            "uses compression method 12; hosts read only stored and deflated entries",
        ),
        (Raw("fifo", b"", 0, 0, method=0, mode=0o010644), "is a device, FIFO or socket, not a file"),
    ],
)
def test_entries_hosts_cannot_unpack_are_refused(tmp_path: Path, entry: Raw, reason: str) -> None:
    path = write_zip(tmp_path / "odd.mcpb", [manifest(), INDEX, entry])
    assert messages(path) == [f"'{entry.name}' {reason}"]


def test_a_signature_block_over_1_mib_is_refused_without_parsing_it(tmp_path: Path) -> None:
    huge = signature_block(b"\x30" + bytes(MAX_SIGNATURE_BYTES))
    path = write_zip(tmp_path / "signed.mcpb", [manifest(), INDEX], trailer=huge)
    problems = validate_bundle(path)
    assert [(p.path, p.message) for p in problems] == [
        (
            "signature",
            "the file ends with MCPB_SIG_END but has no well-formed MCPB_SIG_V1 block (of at most 1 MiB) before it",
        )
    ]
    with pytest.raises(InvalidArtifactError, match="no well-formed MCPB_SIG_V1 block"):
        unpack_bundle(path, tmp_path / "out")


@pytest.mark.parametrize(
    ("der", "reason"),
    [
        (b"\x30\x03\x02\x01\x00", "the signature is not a well-formed CMS SignedData"),
        (b"\x30\x0b\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x01", "the signature is not a CMS SignedData"),
        (b"\x30\x84\xff\xff\xff\xff", "the signature is not a well-formed CMS SignedData"),
    ],
)
def test_a_garbled_signature_is_reported_invalid(tmp_path: Path, der: bytes, reason: str) -> None:
    path = write_zip(tmp_path / "signed.mcpb", [manifest(), INDEX], trailer=signature_block(der))
    found = messages(path)
    assert len(found) == 1
    assert found[0].startswith(reason), found


def test_validate_paths_applies_the_limits_it_is_given(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "many.mcpb", [manifest(), INDEX, *(stored(f"f/{i}", b"") for i in range(20))])
    assert [p.message for p in validate_paths([path], bundle_limits=BundleLimits(max_entries=10))] == [
        "has 22 entries, more than the 10 allowed"
    ]
    assert validate_paths([path], bundle_limits=BundleLimits(max_entries=22)) == []


def test_verify_applies_the_limits_it_is_given(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "ok.mcpb", [manifest(), INDEX, stored("a.txt", b"a"), stored("b.txt", b"b")])
    result = verified(path, BundleLimits(max_entries=3))
    assert (result.status, result.detail) == ("failed", f"{path}: has 4 entries, more than the 3 allowed")


def test_paths_are_found_as_a_host_sees_the_bundle_unpacked(tmp_path: Path) -> None:
    damaged = stored("damaged.bin", b"0123" + bytes(64 * 1024))  # larger than zipfile reads at once
    path = write_zip(
        tmp_path / "look.mcpb",
        [
            manifest(),
            INDEX,
            stored("assets/", b"", DIR),
            stored("main.js", b"server/index.js", LINK),
            Raw(damaged.name, damaged.payload, damaged.crc ^ 1, damaged.size, damaged.method),
        ],
    )
    with open_bundle(path) as archive:
        assert [archive.exists(name) for name in ("server", "server/", "assets", "main.js", "manifest.json")] == [
            True
        ] * 5
        assert [archive.exists(name) for name in ("serv", "server/x", "zzz", "missing.js", "../server")] == [False] * 5
        assert archive.head("server/index.js") == b"console.log('hi'"  # 16 bytes unless asked otherwise
        assert archive.head("main.js", 7) == b"console"
        assert archive.head("damaged.bin", 4) == b"0123"  # only the start is read: the CRC is not checked yet
        assert [archive.head(name) for name in ("server", "assets", "missing.js", "../server")] == [b""] * 4


def test_a_manifest_of_exactly_the_limit_is_read_and_one_byte_more_is_refused(tmp_path: Path) -> None:
    text = json.dumps(MANIFEST).encode()
    limits = BundleLimits(max_manifest_bytes=len(text))
    path = write_zip(tmp_path / "ok.mcpb", [stored("./manifest.json", text), INDEX])
    with open_bundle(path, limits=limits) as archive:
        assert archive.read_manifest() == text
    fat = write_zip(tmp_path / "fat.mcpb", [stored("manifest.json", text + b" "), INDEX])
    with open_bundle(fat, limits=limits) as archive, pytest.raises(UnsafeBundleError) as raised:
        archive.read_manifest()
    reason = f"is {len(text) + 1} bytes; a manifest may have at most {len(text)} bytes"
    assert (raised.value.file, raised.value.entry, raised.value.reason) == (str(fat), "manifest.json", reason)
    assert raised.value.hint == "a manifest describes the server; keep data files out of it"


def test_a_manifest_not_at_the_root_by_its_exact_name_is_not_the_manifest(tmp_path: Path) -> None:
    for name in ("Manifest.json", "server/manifest.json"):
        path = write_zip(tmp_path / "odd.mcpb", [stored(name, json.dumps(MANIFEST).encode()), INDEX])
        assert messages(path) == ["no manifest.json at the root of the bundle"]


def test_a_file_that_cannot_be_read_or_is_no_zip_is_a_bundle_error(tmp_path: Path) -> None:
    with pytest.raises(BundleError) as raised:
        open_bundle(tmp_path / "missing.mcpb")
    assert raised.value.message == f"{tmp_path / 'missing.mcpb'}: cannot read it: No such file or directory"
    text = tmp_path / "text.mcpb"
    text.write_bytes(b"not a zip")
    with pytest.raises(BundleError) as raised:
        open_bundle(text)
    assert (raised.value.message, raised.value.hint, raised.value.part) == (
        f"{text}: not a zip archive (File is not a zip file)",
        "a .mcpb bundle is a zip file",
        "$",
    )


def test_the_content_digest_covers_the_zip_without_its_signature_block(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    unsigned = write_zip(tmp_path / "unsigned.mcpb", [manifest(), INDEX])
    content = unsigned.read_bytes()
    signed = write_zip(tmp_path / "signed.mcpb", [manifest(), INDEX], trailer=signature_block(b"\x30\x00"))
    expected = hashlib.sha256(content).digest()
    # Read in chunks: one byte short of the content, so the last chunk is a single byte.
    monkeypatch.setattr("mcpship.targets.mcpb.archive._CHUNK", len(content) - 1)
    for path in (unsigned, signed):
        with open_bundle(path) as archive:
            assert archive.content_length == len(content)
            archive.head("server/index.js")  # the reader's position is elsewhere: the digest reads from the start
            assert archive.content_digest("sha256") == expected
            assert archive.content_digest("sha512") == hashlib.sha512(content).digest()


def test_a_manifest_with_a_syntax_error_says_where(tmp_path: Path) -> None:
    with pytest.raises(BundleError) as raised:
        parse_manifest(b'{"name": }', source="b.mcpb!manifest.json")
    assert raised.value.message == "b.mcpb!manifest.json: not valid JSON (line 1, column 10: Expecting value)"
    assert raised.value.hint == "write manifest.json as plain UTF-8 JSON"


def test_entries_are_read_in_chunks_of_at_most_1_mib_and_only_as_far_as_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = bytes(range(256)) * (3 * MiB // 256)
    path = write_zip(tmp_path / "big.mcpb", [manifest(), INDEX, stored("big.bin", data)])
    asked = spy_on_zip_reads(monkeypatch)
    with open_bundle(path) as archive:
        assert archive.head("big.bin", MiB + 10) == data[: MiB + 10]
        assert asked == [MiB, 10, 0]
        asked.clear()
        archive.scan()
    assert max(n for n in asked if n is not None) == MiB
    assert None not in asked
    assert messages(path) == []


def test_a_manifest_that_is_a_symlink_is_refused_as_hosts_would_read_the_links_text(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "link.mcpb", [stored("real.json", b"{}"), stored("manifest.json", b"real.json", LINK)])
    with open_bundle(path) as archive, pytest.raises(UnsafeBundleError) as raised:
        archive.read_manifest()
    assert (raised.value.file, raised.value.entry) == (str(path), "manifest.json")
    assert raised.value.reason == "is not a regular file; hosts that unpack without links would read the link's text"
    assert raised.value.hint == "store manifest.json itself at the root of the bundle"
    assert messages(path) == [f"'manifest.json' {raised.value.reason}"]


def test_an_unsafe_entry_does_not_hide_the_manifests_problems_but_an_unsafe_manifest_is_not_read(
    tmp_path: Path,
) -> None:
    path = write_zip(tmp_path / "both.mcpb", [manifest(), stored("up", b"..", LINK)])
    assert messages(path) == [
        "'up' is a symlink to '..', which leads outside the bundle",
        "the entry point 'server/index.js' is not in the bundle",
        "'${__dirname}/server/index.js' names 'server/index.js', which is not in the bundle",
    ]
    twice = write_zip(tmp_path / "twice.mcpb", [stored("Manifest.json", b"{}"), manifest(), INDEX])
    with open_bundle(twice) as archive:
        assert archive.refused("manifest.json")
        assert archive.refused("./MANIFEST.json")
        assert not archive.refused("server/index.js")
    assert messages(twice) == [
        "'manifest.json' collides with 'Manifest.json': both unpack to the same path (on macOS and Windows at least,"
        " which compare names without case), so one would overwrite the other"
    ]


def test_a_bundle_of_exactly_the_entry_limit_opens_and_one_with_a_trailer_zipfile_skips_is_still_counted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    entries = [manifest(), INDEX, *(stored(f"f/{i}", b"") for i in range(8))]
    assert messages(write_zip(tmp_path / "ten.mcpb", entries), limits=BundleLimits(max_entries=10)) == []
    # zipfile finds the end record up to 65536 bytes before the end of the file: so does the count.
    padded = write_zip(tmp_path / "padded.mcpb", [*entries, stored("f/8", b"")], trailer=bytes(1 << 16))

    def never(*_: object, **__: object) -> None:
        raise AssertionError("zipfile must not parse a directory over the limit")

    monkeypatch.setattr(zipfile, "ZipFile", never)
    with pytest.raises(UnsafeBundleError, match=r": has 11 entries, more than the 10 allowed$"):
        open_bundle(padded, limits=BundleLimits(max_entries=10))


def test_entries_past_the_limit_are_refused_even_if_the_count_before_zipfile_missed_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_zip(tmp_path / "many.mcpb", [manifest(), INDEX, *(stored(f"f/{i}", b"") for i in range(9))])
    monkeypatch.setattr("mcpship.targets.mcpb.archive.directory_excess", lambda *_: None)
    with pytest.raises(UnsafeBundleError) as raised:
        open_bundle(path, limits=BundleLimits(max_entries=10))
    assert raised.value.message == f"{path}: has 11 entries, more than the 10 allowed"
    assert raised.value.hint == "if you trust this bundle, raise the limit with --max-entries"


def findings(path: Path, limits: BundleLimits | None = None) -> list[str]:
    """What the listing and the links say, before any entry but the links is read."""
    with open_bundle(path, limits=limits) as archive:
        return [
            f"{finding.entry!r} {finding.reason}" if finding.entry else finding.reason for finding in archive.findings
        ]


def test_only_a_folder_may_name_the_bundle_root(tmp_path: Path) -> None:
    root = write_zip(tmp_path / "root.mcpb", [stored("./", b"", DIR), manifest(), INDEX])
    assert messages(root) == []
    assert (unpack_bundle(root, tmp_path / "out") / "manifest.json").is_file()
    dot = write_zip(tmp_path / "dot.mcpb", [manifest(), INDEX, stored(".", b"x")])
    assert findings(dot) == ["'.' has an empty name or a NUL byte"]


def test_a_bundle_that_unpacks_to_exactly_the_limit_is_accepted_and_one_byte_more_is_refused(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "ok.mcpb", [manifest(), INDEX, stored("a.txt", b"abc")])
    with zipfile.ZipFile(path) as archive:
        total = sum(info.file_size for info in archive.infolist())
    assert findings(path, BundleLimits(max_unpacked_bytes=total)) == []
    with pytest.raises(UnsafeBundleError) as raised:
        unpack_bundle(path, tmp_path / "out", limits=BundleLimits(max_unpacked_bytes=total - 1))
    assert raised.value.reason == f"unpacks to {total} bytes, more than the {total - 1} bytes allowed"
    assert raised.value.hint == "if you trust this bundle, raise the limit with --max-unpacked-mib"


def test_an_entry_of_exactly_the_entry_limit_is_accepted_and_one_byte_more_is_refused(tmp_path: Path) -> None:
    data = b"x" * 4000  # larger than the manifest and the index
    path = write_zip(tmp_path / "ok.mcpb", [manifest(), INDEX, stored("data.bin", data)])
    assert findings(path, BundleLimits(max_entry_bytes=4000)) == []
    assert findings(path, BundleLimits(max_entry_bytes=3999)) == [
        "'data.bin' unpacks to 4000 bytes, more than the 3999 bytes allowed"
    ]


def test_the_ratio_is_checked_only_past_1_mib_and_a_ratio_of_exactly_the_limit_is_accepted(tmp_path: Path) -> None:
    # 1 MiB of zeros deflates to about a kilobyte: far over 200:1, but small files may compress any amount.
    grace = repeated("zeros.bin", 1)
    assert findings(write_zip(tmp_path / "grace.mcpb", [manifest(), INDEX, grace])) == []
    # The declared sizes are what the listing judges: 2 MiB from 2 KiB is exactly 1024:1.
    exact = Raw("big.bin", b"", 0, 2 * MiB, compressed=2048)
    path = write_zip(tmp_path / "exact.mcpb", [manifest(), INDEX, exact])
    assert findings(path, BundleLimits(max_ratio=1024)) == []
    assert findings(path, BundleLimits(max_ratio=1023)) == [
        "'big.bin' expands 1024:1 (2048 bytes to 2097152), more than the 1023:1 allowed: a zip bomb"
    ]


def test_an_entry_of_one_compressed_byte_has_its_ratio_counted_from_that_byte(tmp_path: Path) -> None:
    one = Raw("one.bin", b"", 0, MiB + 1, compressed=1)
    path = write_zip(tmp_path / "one.mcpb", [manifest(), INDEX, one])
    assert findings(path, BundleLimits(max_ratio=MiB)) == [
        f"'one.bin' expands {MiB + 1}:1 (1 bytes to {MiB + 1}), more than the {MiB}:1 allowed: a zip bomb"
    ]
    none = Raw("none.bin", b"", 0, MiB + 1, compressed=0)
    path = write_zip(tmp_path / "none.mcpb", [manifest(), INDEX, none])
    assert findings(path, BundleLimits(max_ratio=MiB)) == [
        f"'none.bin' expands {MiB + 1}:1 (0 bytes to {MiB + 1}), more than the {MiB}:1 allowed: a zip bomb"
    ]


def test_an_entry_with_permission_bits_but_no_file_type_is_a_file(tmp_path: Path) -> None:
    # The official CLI and Python's writestr store 0o644 without S_IFREG.
    path = write_zip(tmp_path / "bare.mcpb", [manifest(), INDEX, stored("server/data.txt", b"data", 0o644)])
    assert messages(path) == []
    assert (unpack_bundle(path, tmp_path / "out") / "server/data.txt").read_bytes() == b"data"


def test_an_encrypted_entry_is_refused_and_only_the_encryption_bit_means_encrypted(tmp_path: Path) -> None:
    # A name in the legacy code page (no UTF-8 flag): its length in the file is one byte a letter.
    locked = Raw("\u00e9t\u00e9.txt", b"", 0, 0, 0, flags=0x1)
    path = write_zip(tmp_path / "locked.mcpb", [manifest(), locked, INDEX])
    assert findings(path) == ["'\u00e9t\u00e9.txt' is encrypted; hosts cannot unpack it"]
    # 0x2 and 0x4 only tune deflate; 0x8 (sizes in a data descriptor) is not set here.
    tuned = Raw("a.txt", b"a", zlib.crc32(b"a"), 1, STORED, flags=0x806)
    assert messages(write_zip(tmp_path / "tuned.mcpb", [manifest(), INDEX, tuned])) == []


def test_data_that_runs_one_byte_into_the_next_entry_is_an_overlap(tmp_path: Path) -> None:
    # The end of an entry's data is its header (30 bytes), its name as written (2 bytes for "é" in UTF-8), its data.
    for name in ("\u00e9.txt", "a.txt"):
        exact = Raw(name, b"abc", zlib.crc32(b"abc"), 3, STORED)
        assert findings(write_zip(tmp_path / "exact.mcpb", [manifest(), exact, INDEX])) == []
        over = Raw(name, b"abc", zlib.crc32(b"abc"), 3, STORED, compressed=4)
        assert findings(write_zip(tmp_path / "over.mcpb", [manifest(), over, INDEX])) == [
            f"{name!r} overlaps 'server/index.js' in the file (a zip bomb technique)"
        ]


def test_a_name_in_the_legacy_code_page_is_measured_in_its_own_bytes(tmp_path: Path) -> None:
    # "été" is 3 bytes in cp437 and 5 in UTF-8: measured as UTF-8, the entry would seem to run into the next one.
    legacy = Raw("\u00e9t\u00e9.txt", b"abc", zlib.crc32(b"abc"), 3, STORED, flags=0)
    path = write_zip(tmp_path / "legacy.mcpb", [manifest(), legacy, INDEX])
    assert findings(path) == []
    with open_bundle(path) as archive:
        assert archive.head("\u00e9t\u00e9.txt") == b"abc"


def test_every_entry_under_a_file_is_refused_whatever_comes_before_it(tmp_path: Path) -> None:
    entries = [
        stored("assets/", b"", DIR),
        manifest(),
        INDEX,
        stored("a", b"x"),
        stored("a/b", b""),
        stored("a/c", b""),
    ]
    path = write_zip(tmp_path / "under.mcpb", entries)
    assert findings(path) == [
        "'a/b' lies under 'a', which is a file: unpacking would write through it",
        "'a/c' lies under 'a', which is a file: unpacking would write through it",
    ]


def test_every_unsafe_link_is_reported_and_the_safe_ones_after_them_still_resolve(tmp_path: Path) -> None:
    links = [
        stored("big", b"x" * 1025, LINK),
        stored("bad", b"\xff", LINK),
        stored("abs", b"/etc/passwd", LINK),
        stored("up", b"..", LINK),
        stored("ok", b"server/index.js", LINK),
    ]
    path = write_zip(tmp_path / "links.mcpb", [manifest(), INDEX, *links])
    assert findings(path) == [
        "'big' is a symlink whose target is longer than 1 KiB",
        "'bad' is a symlink whose target is not UTF-8",
        "'abs' is a symlink to the absolute path '/etc/passwd'",
        "'up' is a symlink to '..', which leads outside the bundle",
    ]
    with open_bundle(path) as archive:
        assert archive.head("ok") == b"console.log('hi'"


def test_a_link_target_of_exactly_1_kib_is_accepted_and_all_targets_together_may_hold_1_mib(tmp_path: Path) -> None:
    # 1024 targets of 1 KiB each fill the budget exactly; any byte more is refused, whatever link it is in.
    links = [stored(f"l/{i}", b"t" * 1024, LINK) for i in range(1024)]
    path = write_zip(tmp_path / "full.mcpb", [manifest(), INDEX, *links])
    assert findings(path) == []
    path = write_zip(tmp_path / "over.mcpb", [manifest(), INDEX, *links, stored("l/x", b"t", LINK)])
    assert findings(path) == ["'l/x' is a symlink whose target is longer than 1 MiB for all links together"]
    path = write_zip(tmp_path / "kib.mcpb", [manifest(), INDEX, *links, stored("l/y", b"t" * 1024, LINK)])
    assert findings(path) == ["'l/y' is a symlink whose target is longer than 1 MiB for all links together"]


def test_a_manifest_read_in_several_chunks_comes_back_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = json.dumps(MANIFEST).encode()
    monkeypatch.setattr("mcpship.targets.mcpb.archive._CHUNK", 7)
    with open_bundle(write_zip(tmp_path / "ok.mcpb", [deflated("manifest.json", text), INDEX])) as archive:
        assert archive.read_manifest() == text


def test_a_damaged_entry_names_the_bundle_the_entry_and_what_to_do(tmp_path: Path) -> None:
    good = stored("server/data.bin", b"data")
    damaged = Raw(good.name, good.payload, good.crc ^ 1, good.size, good.method)
    path = write_zip(tmp_path / "damaged.mcpb", [manifest(), INDEX, damaged])
    with pytest.raises(BundleError) as raised:
        unpack_bundle(path, tmp_path / "out")
    assert (raised.value.file, raised.value.entry) == (str(path), "server/data.bin")
    assert raised.value.reason == "is damaged: Bad CRC-32 for file 'server/data.bin'"
    assert raised.value.hint == DAMAGED_HINT
    assert not (tmp_path / "out").exists()


def test_the_signed_content_is_a_seekable_stream_that_ends_where_the_signature_begins(tmp_path: Path) -> None:
    file = tmp_path / "signed.bin"
    file.write_bytes(b"0123456789")
    with file.open("rb") as raw:
        content = io.BufferedReader(cast(io.RawIOBase, _Prefix(raw, 6)))  # buffered: only readable streams
        assert content.read() == b"012345"
        assert content.seek(-2, os.SEEK_END) == 4
        assert content.read(10) == b"45"
        assert content.seek(1) == 1
        assert content.read(2) == b"12"
        assert content.seek(2, os.SEEK_CUR) == 5
        assert content.read() == b"5"
        with pytest.raises(OSError) as raised:
            content.seek(-7, os.SEEK_END)
        assert (raised.value.errno, raised.value.strerror) == (22, "negative seek position")


def test_a_table_of_contents_too_large_for_the_entry_limit_is_refused_by_its_size(tmp_path: Path) -> None:
    long = [stored("n" * 1000 + str(i), b"") for i in range(3)]
    path = write_zip(tmp_path / "long.mcpb", [manifest(), INDEX, *long])
    size = sum(46 + len(entry.name) for entry in [manifest(), INDEX, *long])
    with pytest.raises(UnsafeBundleError) as raised:
        open_bundle(path, limits=BundleLimits(max_entries=5))
    assert (raised.value.file, raised.value.entry, raised.value.hint) == (str(path), None, UNSAFE_HINT)
    assert raised.value.reason == f"its table of contents is {size} bytes, more than the 1600 bytes allowed"


def test_a_damaged_signature_block_is_a_bundle_error_about_the_signature(tmp_path: Path) -> None:
    huge = signature_block(b"\x30" + bytes(MAX_SIGNATURE_BYTES))
    path = write_zip(tmp_path / "signed.mcpb", [manifest(), INDEX], trailer=huge)
    with pytest.raises(BundleError) as raised:
        open_bundle(path)
    assert (raised.value.file, raised.value.entry, raised.value.part) == (str(path), None, "signature")
    assert raised.value.hint == "the signature block is damaged: rebuild the bundle, or strip it with `mcpb unsign`"


def test_a_link_target_read_in_several_chunks_comes_back_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("mcpship.targets.mcpb.archive._CHUNK", 4)
    path = write_zip(tmp_path / "link.mcpb", [manifest(), INDEX, stored("main.js", b"server/index.js", LINK)])
    with open_bundle(path) as archive:
        assert (archive.path, archive.findings) == (path, [])
        assert archive.head("main.js") == b"console.log('hi'"
