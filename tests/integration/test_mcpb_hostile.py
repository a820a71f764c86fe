"""`mcpship validate` on hostile bundles, run as users run it: each attack is refused with exit code 9 and a
clean error, and the process's peak memory stays far from what the bundle claims to hold."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import Result, assert_clean_error, mcpship_executable
from tests.peak_memory import run_measured
from tests.unit.targets.mcpb_zips import (
    LINK,
    MANIFEST,
    Raw,
    manifest,
    repeated,
    stored,
    write_zip,
)

PEAK_LIMIT_KIB = 300 * 1024
INDEX = stored("server/index.js", b"console.log('hi')\n")


def validate_measured(*args: str | Path) -> tuple[Result, int]:
    """``mcpship validate ARGS`` in a child process: its result and its peak resident memory in KiB."""
    measured = run_measured([mcpship_executable(), "validate", *map(str, args)])
    return measured, measured.peak_kib


def symlink_to_a_gigabyte(directory: Path) -> Path:
    # The icon check follows icon.png to a 1 GiB entry; the file itself is about 1 MB.
    entries = [manifest(icon="icon.png"), INDEX, repeated("big.bin", 1024), stored("icon.png", b"big.bin", LINK)]
    return write_zip(directory / "link-to-big.mcpb", entries)


def symlink_with_a_gigabyte_target(directory: Path) -> Path:
    # The link entry itself inflates to 1 GiB: before, reading its target took over 6 GB and passed.
    link = dataclasses.replace(repeated("icon.png", 1024, fill=b"a"), mode=LINK)
    return write_zip(directory / "huge-link.mcpb", [manifest(), INDEX, link])


def gigabyte_manifest(directory: Path) -> Path:
    padded = repeated("manifest.json", 1024, fill=b" ", first=json.dumps(MANIFEST).encode())
    return write_zip(directory / "big-manifest.mcpb", [padded, INDEX])


def gigabyte_behind_a_small_header(directory: Path) -> Path:
    return write_zip(directory / "liar.mcpb", [manifest(), INDEX, repeated("data.bin", 1024, declared=1000)])


def chained_symlinks(directory: Path) -> Path:
    links = [stored("d1/x", b"..", LINK), stored("d1/y", b"x/..", LINK), stored("esc", b"d1/y/..", LINK)]
    return write_zip(directory / "chain.mcpb", [manifest(), INDEX, *links])


def too_many_entries(directory: Path) -> Path:
    entries = [manifest(), INDEX, *(stored(f"f/{i}", b"") for i in range(100_001))]
    return write_zip(directory / "many.mcpb", entries, declared_entries=2)  # and the end record lies


def ratio_bomb(directory: Path) -> Path:
    return write_zip(directory / "bomb.mcpb", [manifest(), INDEX, repeated("data.bin", 400)])


def shared_data_bomb(directory: Path) -> Path:
    # 1,000 directory records over one 100 MiB stream: 100 GiB from a 1 MB file.
    kernel = repeated("k0", 100)
    copies = [Raw(f"k{i}", b"", kernel.crc, kernel.size, offset_of="k0") for i in range(1, 1000)]
    return write_zip(directory / "shared.mcpb", [manifest(), INDEX, kernel, *copies])


@pytest.mark.parametrize(
    ("craft", "first_error"),
    [
        (symlink_to_a_gigabyte, "'big.bin' unpacks to 1073741824 bytes, more than the 512 MiB allowed"),
        (symlink_with_a_gigabyte_target, "'icon.png' unpacks to 1073741824 bytes, more than the 512 MiB allowed"),
        (gigabyte_manifest, "'manifest.json' unpacks to 1073741824 bytes, more than the 512 MiB allowed"),
        (gigabyte_behind_a_small_header, "'data.bin' is damaged: Bad CRC-32 for file 'data.bin'"),
        (chained_symlinks, "'d1/y' is a symlink to 'x/..', which leads outside the bundle through 'd1/x' -> '..'"),
        (too_many_entries, "has 100003 entries, more than the 100000 allowed"),
        (ratio_bomb, "'data.bin' expands 1011:1 (414802 bytes to 419430400), more than the 200:1 allowed: a zip bomb"),
        (shared_data_bomb, "'k0' expands 1011:1 (103702 bytes to 104857600), more than the 200:1 allowed: a zip bomb"),
    ],
)
def test_validate_refuses_a_hostile_bundle_in_bounded_memory(
    tmp_path: Path, craft: Callable[[Path], Path], first_error: str
) -> None:
    bundle = craft(tmp_path)
    result, peak_kib = validate_measured(bundle)
    assert_clean_error(result, 9)
    assert f"the first: {bundle}: $: {first_error}" in result.stderr, result.stderr
    assert "valid:" not in result.stdout
    assert peak_kib < PEAK_LIMIT_KIB, f"peak RSS {peak_kib} KiB"


def test_the_limits_are_raised_from_the_command_line(tmp_path: Path) -> None:
    bundle = write_zip(tmp_path / "ok.mcpb", [manifest(), INDEX, *(stored(f"f/{i}", b"") for i in range(20))])
    refused, _ = validate_measured(bundle, "--max-entries", "10")
    assert_clean_error(refused, 9)
    assert "has 22 entries, more than the 10 allowed" in refused.stderr
    assert "hint: if you trust this bundle, raise the limit with --max-entries" in refused.stderr
    accepted, _ = validate_measured(bundle, "--max-entries", "22", "--max-unpacked-mib", "1")
    assert accepted.returncode == 0, accepted.stderr
    assert accepted.stdout.startswith("valid: ")
