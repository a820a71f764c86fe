"""What changed between two interface locks, item by item and field by field (the input to semver rules)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from mcpship.interface.lock import KINDS, InterfaceLock

__all__ = ["FieldChange", "ItemChange", "diff_locks"]

_SINGULAR = {"tools": "tool", "prompts": "prompt", "resources": "resource", "resourceTemplates": "resource template"}
_MISSING: Any = object()


@dataclass(frozen=True)
class FieldChange:
    path: str
    """JSON path inside the item, e.g. ``inputSchema.properties.limit.maximum``."""
    old: Any
    new: Any


@dataclass(frozen=True)
class ItemChange:
    kind: str
    key: str
    change: Literal["added", "removed", "changed"]
    fields: list[FieldChange] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{_SINGULAR.get(self.kind, self.kind)} {self.key}"


def diff_locks(old: InterfaceLock, new: InterfaceLock) -> list[ItemChange]:
    """Every added, removed or changed item; empty when the interfaces are the same."""
    changes: list[ItemChange] = []
    if old.instructions != new.instructions:
        changes.append(
            ItemChange(
                "server", "instructions", "changed", [FieldChange("instructions", old.instructions, new.instructions)]
            )
        )
    for kind in KINDS:
        before, after = old.items(kind), new.items(kind)
        for key in sorted(before.keys() - after.keys()):
            changes.append(ItemChange(kind, key, "removed"))
        for key in sorted(after.keys() - before.keys()):
            changes.append(ItemChange(kind, key, "added"))
        for key in sorted(before.keys() & after.keys()):
            fields = list(_field_changes(before[key], after[key], ""))
            if fields:
                changes.append(ItemChange(kind, key, "changed", fields))
    return changes


def _field_changes(old: Any, new: Any, path: str) -> list[FieldChange]:
    if isinstance(old, dict) and isinstance(new, dict):
        found: list[FieldChange] = []
        for key in sorted(old.keys() | new.keys()):
            child = f"{path}.{key}" if path else str(key)
            found.extend(_field_changes(old.get(key, _MISSING), new.get(key, _MISSING), child))
        return found
    if old == new:
        return []
    return [FieldChange(path, None if old is _MISSING else old, None if new is _MISSING else new)]
