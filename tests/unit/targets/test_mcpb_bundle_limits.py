"""The limits of reading a bundle are shown in whole units when they are whole, in bytes otherwise."""

from __future__ import annotations

import pytest

from mcpship.targets.mcpb._bundle_limits import BundleLimits, size_text


@pytest.mark.parametrize(
    ("count", "text"),
    [
        (1 << 30, "1 GiB"),
        (3 << 30, "3 GiB"),
        (512 << 20, "512 MiB"),
        (1536 << 20, "1536 MiB"),
        (1 << 10, "1 KiB"),
        (1025 << 10, "1025 KiB"),
        (1023, "1023 bytes"),
        (1025, "1025 bytes"),
        (0, "0 bytes"),
    ],
)
def test_a_size_is_shown_in_the_largest_whole_unit(count: int, text: str) -> None:
    assert size_text(count) == text


def test_the_default_limits_are_the_documented_ones() -> None:
    limits = BundleLimits()
    assert [size_text(limits.max_unpacked_bytes), size_text(limits.max_entry_bytes)] == ["1 GiB", "512 MiB"]
    assert (limits.max_entries, limits.max_ratio, size_text(limits.max_manifest_bytes)) == (100_000, 200, "1 MiB")
