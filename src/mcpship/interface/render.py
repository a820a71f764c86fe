"""Plain-text rendering of interface changes (used in error messages and by the CLI)."""

from __future__ import annotations

import json
from typing import Any

from mcpship.interface.diff import ItemChange
from mcpship.interface.semver import Change, Classification

__all__ = ["bump_sentence", "describe_changes", "describe_classification", "item_label"]

_SINGULAR = {"tools": "tool", "prompts": "prompt", "resources": "resource", "resourceTemplates": "resource template"}

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


def bump_sentence(classification: Classification) -> str:
    """``requires a major bump`` (``, 2 changes need review``), or ``no interface change``."""
    if classification.bump is None:
        return "no interface change"
    review = sum(change.review for change in classification.changes)
    needs = f"; {review} change{'s need' if review != 1 else ' needs'} review" if review else ""
    return f"requires a {classification.bump} bump{needs}"


def describe_classification(classification: Classification) -> str:
    """One line per change: severity (and "needs review"), rule id, item, path and message."""
    return "\n".join(f"  {_classified(change)}" for change in classification.changes)


def item_label(change: Change) -> str:
    return f"{_SINGULAR.get(change.kind, change.kind)} {change.key}"


def _classified(change: Change) -> str:
    severity = f"{change.severity}, needs review" if change.review else change.severity
    where = f" {change.path}" if change.path else ""
    return f"[{severity}] {change.rule}: {item_label(change)}{where}: {change.message}"
