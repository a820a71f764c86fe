"""Canonical JSON and digests: the same interface always gives the same bytes and the same hashes."""

from __future__ import annotations

import hashlib
import json
from typing import Any

__all__ = ["canonical_bytes", "digest", "pretty"]


def canonical_bytes(value: Any) -> bytes:
    """Sorted keys, no whitespace, UTF-8: the form digests are taken over (RFC 8785-like for our JSON)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def digest(value: Any) -> str:
    return "sha256:" + hashlib.sha256(canonical_bytes(value)).hexdigest()


def pretty(value: Any) -> str:
    """The on-disk form: sorted keys, two-space indent, trailing newline, so diffs in review stay small."""
    return json.dumps(value, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
