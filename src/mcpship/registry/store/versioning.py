"""Which version is "latest": upstream's ``internal/service/versioning.go`` rules (registry.md §3.5).

A version is *semantic* when ``golang.org/x/mod/semver`` accepts it (after adding a ``v`` if missing) and it
has exactly three numeric parts; prerelease and build suffixes are allowed. Ordering: both semantic → semver
2.0 precedence (build metadata ignored); neither → publish time; mixed → the semantic one wins.
"""

from __future__ import annotations

import re
from datetime import datetime

__all__ = ["is_semantic_version", "precedence_key"]

_NUMBER = r"(?:0|[1-9][0-9]*)"
_PRERELEASE_ID = r"(?:0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)"
_SEMVER = re.compile(
    rf"v?(?P<major>{_NUMBER})\.(?P<minor>{_NUMBER})\.(?P<patch>{_NUMBER})"
    rf"(?:-(?P<pre>{_PRERELEASE_ID}(?:\.{_PRERELEASE_ID})*))?"
    r"(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?"
)

_SemverKey = tuple[int, int, int, int, tuple[tuple[int, int] | tuple[int, str], ...]]


def _semver_key(version: str) -> _SemverKey | None:
    match = _SEMVER.fullmatch(version)
    if match is None:
        return None
    pre = match["pre"]
    # A release sorts after all of its prereleases; prerelease identifiers compare numerically when numeric,
    # numeric before alphanumeric, and a shorter list first when one is a prefix of the other (tuple order).
    parts = pre.split(".") if pre else []
    identifiers = tuple((0, int(part)) if part.isdigit() else (1, part) for part in parts)
    return int(match["major"]), int(match["minor"]), int(match["patch"]), 0 if pre else 1, identifiers


def is_semantic_version(version: str) -> bool:
    return _semver_key(version) is not None


def precedence_key(version: str, published_at: datetime) -> tuple[int, _SemverKey | datetime]:
    """A sort key implementing upstream's ``CompareVersions``: larger key = later version.

    Semantic versions carry ``(1, semver)``, others ``(0, published_at)``, so a semantic version always
    outranks a non-semantic one and the two kinds are never compared field by field.
    """
    key = _semver_key(version)
    return (1, key) if key is not None else (0, published_at)
