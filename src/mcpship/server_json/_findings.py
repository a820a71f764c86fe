"""Shared plumbing for the rule modules: the problem collector (with the package policy the rules apply),
tolerant readers of the decoded JSON, and the unknown-key check every object gets.

The semantic rules read the raw document rather than the models, so they still run (and report) when the
structure is broken elsewhere, the way the official registry runs its schema and semantic passes separately.
A value of the wrong type reads as empty here; the structural pass reports the type itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from difflib import get_close_matches

from mcpship import _problems
from mcpship._problems import Location
from mcpship.server_json.model import PUBLISHER_META_KEY
from mcpship.server_json.policy import PackagePolicy

__all__ = ["Findings", "Location", "Node", "absent_or_text", "as_node", "check_unknown_keys", "nodes", "text"]

Node = Mapping[str, object]


@dataclass
class Findings(_problems.Findings):
    """The shared collector, plus the package registries the rules accept (the official ones by default)."""

    policy: PackagePolicy = field(default_factory=PackagePolicy)


def as_node(value: object) -> Node | None:
    return value if isinstance(value, Mapping) else None


def text(node: Node, key: str) -> str:
    """The string at ``key``; empty when absent or not a string (Go's zero value, as upstream sees it)."""
    value = node.get(key)
    return value if isinstance(value, str) else ""


def absent_or_text(node: Node, key: str) -> bool:
    """Whether ``key`` is absent or a string: a value of another type is the structure pass's to report."""
    return key not in node or isinstance(node[key], str)


def nodes(node: Node, key: str) -> list[tuple[int, Node]]:
    """``(index, object)`` for each object in the array at ``key``; other items are the structure pass's job."""
    items = node.get(key)
    if not isinstance(items, list):
        return []
    return [(index, item) for index, item in enumerate(items) if isinstance(item, Mapping)]


def check_unknown_keys(node: Node, known: frozenset[str], at: Location, findings: Findings) -> None:
    """Keys the schema does not name: legal, but the official registry drops them, and most are typos."""
    for key in node:
        if key in known:
            continue
        close = _closest(key, known)
        hint = (
            f'did you mean "{close}"?'
            if close
            else f'remove it, or move custom data into "_meta" / "{PUBLISHER_META_KEY}"'
        )
        findings.warning((*at, key), f'unknown key "{key}": the official registry drops it', hint)


def _closest(key: str, known: frozenset[str]) -> str | None:
    folded = {name.lower(): name for name in known}
    wanted = key.lower().replace("_", "")  # registry_type, websiteURL: the old and the mistyped spellings
    matches = get_close_matches(wanted, list(folded), n=1, cutoff=0.8)  # the same spelling first, if known
    return folded[matches[0]] if matches else None
