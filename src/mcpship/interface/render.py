"""Plain-text rendering of interface changes (used in error messages and by the CLI)."""

from __future__ import annotations

import json
from typing import Any

from mcpship.interface.diff import ItemChange

__all__ = ["describe_changes"]

_MARK = {"added": "+", "removed": "-", "changed": "~"}
_MAX_VALUE = 160


def describe_changes(changes: list[ItemChange]) -> str:
    lines: list[str] = []
    for change in changes:
        lines.append(f"  {_MARK[change.change]} {change.label} {change.change}")
        for item in change.fields:
            lines.append(f"      {item.path}:")
            lines.append(f"        - {_show(item.old)}")
            lines.append(f"        + {_show(item.new)}")
    return "\n".join(lines)


def _show(value: Any) -> str:
    if value is None:
        return "(absent)"
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= _MAX_VALUE else text[: _MAX_VALUE - 1] + "…"
