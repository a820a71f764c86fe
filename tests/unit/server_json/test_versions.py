"""Versions the registry refuses: ``latest``, ranges and blank ones, for the server and for each package alike."""

from __future__ import annotations

import pytest

from mcpship.server_json._findings import Findings
from mcpship.server_json._versions import check_version, looks_like_version_range

EXACT = 'use the exact version being published, e.g. "1.2.0"'


def said(value: object) -> list[tuple[str, str, str, str | None]]:
    findings = Findings("server.json")
    check_version(value, ("packages", 0, "version"), findings)
    return [(problem.path, problem.severity, problem.message, problem.hint) for problem in findings.problems]


def test_latest_is_reserved() -> None:
    message = 'version "latest" is reserved: the registry computes which version is latest'
    assert said("latest") == [("$.packages[0].version", "error", message, EXACT)]


@pytest.mark.parametrize("version", ["^1.2.0", "1.x", "1.2 || 1.3", "1.2.3 - 2.0.0"])
def test_a_range_is_refused_with_the_version_it_read(version: str) -> None:
    message = f'version "{version}" is a range, not a specific version'
    assert said(version) == [("$.packages[0].version", "error", message, EXACT)]


@pytest.mark.parametrize("version", ["", " ", "\t\n"])
def test_a_blank_version_is_empty_not_a_range(version: str) -> None:
    assert not looks_like_version_range(version)
    assert said(version) == [("$.packages[0].version", "error", "version is empty", EXACT)]


@pytest.mark.parametrize("value", [None, 1, ["1.0.0"]])
def test_a_version_that_is_not_a_string_is_left_to_the_structure_pass(value: object) -> None:
    assert said(value) == []


@pytest.mark.parametrize("version", ["1.2.3", " 1.2.3 ", "latest-1", "Latest", "v1.2", "1.2.3-rc.1"])
def test_a_specific_version_is_accepted(version: str) -> None:
    assert said(version) == []


@pytest.mark.parametrize("version", ["1.*", "*.2", "1.2.x", "X.1"])
def test_each_wildcard_makes_a_dotted_version_a_range(version: str) -> None:
    assert looks_like_version_range(version)


@pytest.mark.parametrize("version", [">=1.0", "1.0 - 2.0", "1.0 || 2.0"])
def test_comparators_hyphen_ranges_and_alternatives_are_each_ranges_on_their_own(version: str) -> None:
    assert looks_like_version_range(version)


@pytest.mark.parametrize("version", ["^١.٢", "١.x", "١ || ٢"])
def test_digits_are_ascii_digits_as_in_go(version: str) -> None:
    # Go's \d is ASCII-only: Arabic-Indic digits make free-form text, not a range.
    assert not looks_like_version_range(version)
