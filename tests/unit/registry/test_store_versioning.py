"""Which version is latest: upstream's Go semver rules (exactly three parts, optional v, semver 2.0 order)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest

from mcpship.registry.store.versioning import is_semantic_version, precedence_key

EARLY = datetime(2025, 1, 1, tzinfo=UTC)
LATE = EARLY + timedelta(days=1)


@pytest.mark.parametrize(
    "version", ["1.0.0", "v1.0.0", "0.0.0", "1.2.3-rc.1", "1.2.3-alpha-1.x", "1.2.3+build.01", "10.20.30-0a.1+b"]
)
def test_three_part_versions_with_optional_v_prerelease_and_build_are_semantic(version: str) -> None:
    assert is_semantic_version(version)


@pytest.mark.parametrize(
    "version", ["1.0", "1", "1.0.0.0", "01.0.0", "1.0.0-01", "1.0.0-", "1.0.0+", "vv1.0.0", "latest", "2024.01.02", ""]
)
def test_other_versions_are_not_semantic(version: str) -> None:
    assert not is_semantic_version(version)


def test_semantic_versions_follow_semver_precedence_whatever_the_publish_time() -> None:
    ordered = [
        "1.0.0-alpha",
        "1.0.0-alpha.1",
        "1.0.0-alpha.beta",
        "1.0.0-beta",
        "1.0.0-beta.2",
        "1.0.0-beta.11",
        "1.0.0-rc.1",
        "1.0.0",
        "1.0.1",
        "1.10.0",
        "2.0.0-rc.1",
        "2.0.0",
    ]
    times = {version: LATE if index % 2 else EARLY for index, version in enumerate(ordered)}
    for lower, higher in pairwise(ordered):
        assert precedence_key(higher, times[higher]) > precedence_key(lower, times[lower]), (higher, lower)


def test_build_metadata_and_the_v_prefix_do_not_change_precedence() -> None:
    assert precedence_key("1.0.0+a", LATE) == precedence_key("v1.0.0+b", EARLY) == precedence_key("1.0.0", LATE)


def test_non_semantic_versions_order_by_publish_time() -> None:
    assert precedence_key("2024-06-01", LATE) > precedence_key("2025-01-01", EARLY)


def test_a_semantic_version_always_beats_a_non_semantic_one() -> None:
    assert precedence_key("0.0.1", EARLY) > precedence_key("99", LATE)
