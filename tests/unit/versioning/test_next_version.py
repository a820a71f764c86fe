"""The next version: explicit levels, pre-release sequences, 0.x's rule, and rendering per scheme."""

from __future__ import annotations

import pytest

from mcpship import VersionError
from mcpship.versioning import (
    ReleaseVersion,
    bump_is_sufficient,
    next_version,
    parse_version,
    required_next_version,
)
from mcpship.versioning.next_version import BumpLevel, PreLabel, Severity


def semver(text: str) -> ReleaseVersion:
    return parse_version(text, "semver")


@pytest.mark.parametrize(
    ("current", "level", "pre", "expected"),
    [
        ("1.2.3", "major", None, "2.0.0"),
        ("1.2.3", "minor", None, "1.3.0"),
        ("1.2.3", "patch", None, "1.2.4"),
        ("0.3.0", "minor", "rc", "0.4.0-rc.1"),
        ("0.4.0-rc.1", "minor", "rc", "0.4.0-rc.2"),
        ("0.4.0-rc.2", "minor", None, "0.4.0"),
        ("0.4.0-alpha.3", "minor", "beta", "0.4.0-beta.1"),
        ("0.4.0-beta.1", "minor", "rc", "0.4.0-rc.1"),
        ("0.4.0-rc.1", "major", None, "1.0.0"),
        ("0.4.0-rc.1", "patch", None, "0.4.0"),
        ("1.0.0-rc.1", "major", None, "1.0.0"),
        ("0.4.1-rc.1", "minor", None, "0.5.0"),
        ("0.4.0-rc.1", "major", "alpha", "1.0.0-alpha.1"),
        ("1.2.3", "patch", "alpha", "1.2.4-alpha.1"),
    ],
)
def test_next_version_follows_node_semvers_inc(
    current: str, level: BumpLevel, pre: PreLabel | None, expected: str
) -> None:
    assert str(next_version(semver(current), level, pre)) == expected


def test_a_pre_release_sequence_continues_then_becomes_its_release() -> None:
    version = semver("0.3.0")
    seen = []
    pres: tuple[PreLabel | None, ...] = ("rc", "rc", None)
    for pre in pres:
        version = next_version(version, "minor", pre)
        seen.append((version.render("semver"), version.render("pep440")))
    assert seen == [("0.4.0-rc.1", "0.4.0rc1"), ("0.4.0-rc.2", "0.4.0rc2"), ("0.4.0", "0.4.0")]


def test_going_back_to_an_earlier_pre_release_label_is_refused_with_the_way_forward() -> None:
    with pytest.raises(VersionError) as caught:
        next_version(semver("0.4.0-rc.1"), "minor", "beta")
    assert "beta comes before rc" in caught.value.message
    assert caught.value.hint is not None
    assert "--pre rc" in caught.value.hint


@pytest.mark.parametrize(
    ("text", "scheme", "expected"),
    [
        ("0.4.0rc1", "pep440", ReleaseVersion(0, 4, 0, ("rc", 1))),
        ("0.4.0a2", "pep440", ReleaseVersion(0, 4, 0, ("alpha", 2))),
        ("0.4.0b3", "pep440", ReleaseVersion(0, 4, 0, ("beta", 3))),
        ("1.2", "pep440", ReleaseVersion(1, 2, 0)),
        ("0.4.0-rc.1", "semver", ReleaseVersion(0, 4, 0, ("rc", 1))),
        ("0.4.0-alpha.1", "semver", ReleaseVersion(0, 4, 0, ("alpha", 1))),
    ],
)
def test_both_schemes_read_the_same_release(text: str, scheme: str, expected: ReleaseVersion) -> None:
    assert parse_version(text, scheme) == expected  # type: ignore[arg-type]


def test_rendering_uses_each_schemes_form() -> None:
    version = ReleaseVersion(1, 0, 0, ("beta", 2))
    assert version.render("semver") == "1.0.0-beta.2"
    assert version.render("pep440") == "1.0.0b2"
    assert ReleaseVersion(1, 0, 0, ("alpha", 1)).render("pep440") == "1.0.0a1"


@pytest.mark.parametrize(
    ("text", "scheme"),
    [
        ("1.0.0.post1", "pep440"),
        ("1.0.0.dev3", "pep440"),
        ("1!1.0.0", "pep440"),
        ("1.0.0+local", "pep440"),
        ("1.2.3.4", "pep440"),
        ("1.0.0-next.1", "semver"),
        ("1.0.0+build.5", "semver"),
        ("1.0", "semver"),
        ("v1.0.0", "semver"),
        ("not a version", "pep440"),
    ],
)
def test_a_version_mcpship_cannot_bump_is_refused_naming_where_and_the_way_out(text: str, scheme: str) -> None:
    with pytest.raises(VersionError) as caught:
        parse_version(text, scheme, where="package.json version")  # type: ignore[arg-type]
    assert caught.value.message.startswith("package.json version: cannot read the version")
    assert caught.value.hint is not None
    assert "--from" in caught.value.hint


@pytest.mark.parametrize(
    ("released", "severity", "expected"),
    [
        ("1.2.3", "major", "2.0.0"),
        ("1.2.3", "minor", "1.3.0"),
        ("1.2.3", "patch", "1.2.4"),
        ("0.3.0", "major", "0.4.0"),  # under 0.x, a breaking change bumps the minor
        ("0.3.0", "minor", "0.3.1"),  # and a feature the patch
        ("0.3.0", "patch", "0.3.1"),
        ("0.0.3", "major", "0.1.0"),
        ("0.4.0-rc.1", "major", "0.4.0"),
    ],
)
def test_required_next_version_applies_the_0x_rule(released: str, severity: Severity, expected: str) -> None:
    assert str(required_next_version(semver(released), severity)) == expected


@pytest.mark.parametrize(
    ("released", "current", "required", "sufficient"),
    [
        ("1.2.3", "2.0.0", "major", True),
        ("1.2.3", "1.3.0", "major", False),
        ("1.2.3", "1.3.0", "minor", True),
        ("1.2.3", "1.2.4", "minor", False),
        ("1.2.3", "1.2.4", "patch", True),
        ("1.2.3", "1.2.3", "patch", False),
        ("1.2.3", "1.2.3", None, True),
        ("1.2.3", "1.2.2", None, False),
        ("0.3.0", "0.4.0", "major", True),
        ("0.3.0", "0.3.1", "major", False),
        ("0.3.0", "0.3.1", "minor", True),
        ("0.3.0", "0.4.0-rc.1", "major", True),  # a pre-release of the required version counts
        ("0.3.0", "0.3.1-rc.1", "major", False),
        ("0.4.0-rc.1", "0.4.0-rc.2", "major", True),
        ("2.0.0", "1.9.0", "patch", False),
    ],
)
def test_bump_is_sufficient(released: str, current: str, required: Severity | None, sufficient: bool) -> None:
    assert bump_is_sufficient(semver(released), semver(current), required) is sufficient


def test_pre_releases_rank_below_their_release() -> None:
    ordered = ["0.4.0-alpha.1", "0.4.0-alpha.2", "0.4.0-beta.1", "0.4.0-rc.1", "0.4.0", "0.4.1-alpha.1"]
    assert sorted(ordered, key=lambda text: semver(text).precedence()) == ordered


def test_the_library_calls_take_version_strings_in_either_scheme() -> None:
    assert str(required_next_version("0.3.0", "major")) == "0.4.0"
    assert bump_is_sufficient("0.3.0", "0.4.0rc1", "major") is True
    assert bump_is_sufficient("1.0.0", "1.0.1", "minor") is False
    with pytest.raises(VersionError, match="the current version: cannot read"):
        bump_is_sufficient("1.0.0", "soon", None)
