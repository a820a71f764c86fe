"""Version strings the registry refuses: ``latest`` and anything that looks like a range.

A faithful port of ``looksLikeVersionRange`` (registry ``internal/validators/validators.go``); registry.md §2.8.
Free-form versions (``v1.0``, ``2025-06-18``, ``snapshot - 2025.09``) stay allowed, as upstream allows them.
"""

from __future__ import annotations

import re

from mcpship.server_json._findings import Findings, Location

__all__ = ["RESERVED_VERSION", "check_version", "looks_like_version_range"]

RESERVED_VERSION = "latest"

_VERSION = r"v?\d+(?:\.\d+){0,3}(?:-[0-9A-Za-z.-]+)?"
# re.ASCII: Go's \d and \s are ASCII-only.
_COMPARATOR = re.compile(rf"^\s*(?:\^|~|>=|<=|>|<|=)\s*{_VERSION}\s*$", re.ASCII)  # ^1.2.3  >=1.0  = 1.0.0
_HYPHEN = re.compile(rf"^\s*{_VERSION}\s-\s*{_VERSION}\s*$", re.ASCII)  # 1.2.3 - 2.0.0
_OR = re.compile(rf"^\s*(?:{_VERSION}\s*)(?:\|\|\s*{_VERSION}\s*)+$", re.ASCII)  # 1.2 || 1.3
_DOTTED = re.compile(r"^\s*(?:v?\d+|x|X|\*)(?:\.(?:\d+|x|X|\*)){1,2}(?:-[0-9A-Za-z.-]+)?\s*$", re.ASCII)  # 1.x 1.2.*


def looks_like_version_range(version: str) -> bool:
    trimmed = version.strip()
    if not trimmed:
        return False
    if _COMPARATOR.match(trimmed) or _HYPHEN.match(trimmed) or _OR.match(trimmed):
        return True
    # A dotted version is a range only when a part is a wildcard.
    return bool(_DOTTED.match(trimmed)) and any(wildcard in trimmed for wildcard in ("x", "X", "*"))


def check_version(value: object, at: Location, findings: Findings) -> None:
    """``latest`` and ranges are refused for the server version and for package versions alike."""
    if not isinstance(value, str):
        return
    exact = 'use the exact version being published, e.g. "1.2.0"'
    if value == RESERVED_VERSION:
        findings.error(at, 'version "latest" is reserved: the registry computes which version is latest', exact)
    elif looks_like_version_range(value):
        findings.error(at, f'version "{value}" is a range, not a specific version', exact)
    elif not value.strip():
        findings.error(at, "version is empty", exact)
