"""Classify the difference between two interface locks by the version bump it requires (the semver guard).

Every change is one rule of the catalogue (:mod:`mcpship.interface.rules`) at one JSON path of one item. A change
the checker cannot prove safe "needs review" and counts as major unless a policy says otherwise.

>>> classify(old_lock, new_lock).bump          # doctest: +SKIP
'major'
>>> [change.rule for change in classify(old_lock, new_lock).changes]    # doctest: +SKIP
['input.property.became-required']
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from mcpship._exceptions import UsageError
from mcpship.interface.canonical import canonical_bytes
from mcpship.interface.lock import InterfaceLock
from mcpship.interface.rules import RULES, SEVERITIES, Severity
from mcpship.interface.schema_compat import compare_schemas

__all__ = ["Change", "Classification", "Severity", "classify"]

_RANK = {severity: rank for rank, severity in enumerate(SEVERITIES)}
_MAX_SHOWN = 60
# spec defaults of the tool annotation hints, and the value each one moves away from when it weakens
_HINT_DEFAULTS = {"readOnlyHint": False, "destructiveHint": True, "idempotentHint": False, "openWorldHint": True}
_HINT_SAFE = {"readOnlyHint": True, "destructiveHint": False, "idempotentHint": True, "openWorldHint": False}
_TOOL_TEXT = {"title": "tool.title.changed", "description": "tool.description.changed", "icons": "tool.icons.changed"}
# the key field (name, uri, uriTemplate) is never compared: items are matched by it
_TOOL_WALKED = {"inputSchema", "outputSchema", "annotations", *_TOOL_TEXT}


@dataclass(frozen=True)
class Change:
    rule: str
    """Rule id from the catalogue, e.g. ``input.property.required-added``."""
    severity: Severity
    """The bump this change requires; a change that needs review is major unless a policy says otherwise."""
    review: bool
    """True: the checker cannot prove it safe (shown as "needs review", never as compatible)."""
    kind: str
    """``tools`` | ``prompts`` | ``resources`` | ``resourceTemplates`` | ``server``."""
    key: str
    """The item: tool or prompt name, resource URI, template URI template (``instructions`` for the server)."""
    path: str
    """JSON path inside the item, e.g. ``inputSchema.properties.limit.maximum``."""
    message: str
    old: Any
    new: Any

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "review": self.review,
            "kind": self.kind,
            "key": self.key,
            "path": self.path,
            "message": self.message,
            "old": self.old,
            "new": self.new,
        }


@dataclass(frozen=True)
class Classification:
    changes: tuple[Change, ...]

    @property
    def bump(self) -> Severity | None:
        """The largest severity among the changes; None when nothing changed."""
        if not self.changes:
            return None
        return max((change.severity for change in self.changes), key=_RANK.__getitem__)

    @property
    def needs_review(self) -> bool:
        return any(change.review for change in self.changes)

    def at_least(self, severity: Severity) -> tuple[Change, ...]:
        return tuple(change for change in self.changes if _RANK[change.severity] >= _RANK[severity])


def classify(
    old: InterfaceLock, new: InterfaceLock, *, overrides: Mapping[str, Severity] | None = None
) -> Classification:
    """Every change from ``old`` to ``new``, each with its rule, severity and path.

    ``overrides`` maps rule ids to the severity a policy wants instead of the catalogue's, e.g.
    ``{"annotation.openWorldHint.weakened": "minor"}``.
    """
    policy = _checked_overrides(overrides or {})
    emitter = _Emitter(policy)
    if old.instructions != new.instructions:
        emitter.add(
            "server.instructions.changed", "server", "instructions", "instructions", old.instructions, new.instructions
        )
    for kind, compare in (
        ("tools", _compare_tool),
        ("prompts", _compare_prompt),
        ("resources", _compare_resource),
        ("resourceTemplates", _compare_resource),
    ):
        prefix = _PREFIX[kind]
        before, after = old.items(kind), new.items(kind)
        for key in sorted(before.keys() - after.keys()):
            emitter.add(f"{prefix}.removed", kind, key, "", before[key], None)
        for key in sorted(after.keys() - before.keys()):
            emitter.add(f"{prefix}.added", kind, key, "", None, after[key])
        for key in sorted(before.keys() & after.keys()):
            if canonical_bytes(before[key]) != canonical_bytes(after[key]):
                for rule, path, name, was, now in compare(prefix, before[key], after[key]):
                    emitter.add(rule, kind, key, path, was, now, name=name)
    return Classification(tuple(emitter.changes))


_PREFIX = {"tools": "tool", "prompts": "prompt", "resources": "resource", "resourceTemplates": "resource-template"}
_Finding = tuple[str, str, str, Any, Any]  # rule, path, name, old, new


class _Emitter:
    def __init__(self, policy: Mapping[str, Severity]) -> None:
        self.policy = policy
        self.changes: list[Change] = []

    def add(self, rule_id: str, kind: str, key: str, path: str, old: Any, new: Any, *, name: str = "") -> None:
        rule = RULES[rule_id]
        message = rule.template.format(name=name or path, old=_shown(old), new=_shown(new))
        severity = self.policy.get(rule_id, rule.severity)
        self.changes.append(Change(rule_id, severity, rule.review, kind, key, path, message, old, new))


def _checked_overrides(overrides: Mapping[str, str]) -> dict[str, Severity]:
    checked: dict[str, Severity] = {}
    for rule_id, severity in overrides.items():
        if rule_id not in RULES:
            raise UsageError(
                f"severity override for unknown rule {rule_id!r}",
                hint="use a rule id from the catalogue (docs/versioning.md), e.g. annotation.openWorldHint.weakened",
            )
        if severity not in SEVERITIES:
            raise UsageError(
                f"severity override {rule_id}={severity!r} is not one of {', '.join(SEVERITIES)}",
                hint="write patch, minor or major",
            )
        checked[rule_id] = severity
    return checked


def _compare_tool(prefix: str, old: dict[str, Any], new: dict[str, Any]) -> Iterator[_Finding]:
    for field, rule in _TOOL_TEXT.items():
        if _differs(old.get(field), new.get(field)):
            yield rule, field, field, old.get(field), new.get(field)
    for finding in compare_schemas(old.get("inputSchema"), new.get("inputSchema"), "inputSchema"):
        yield f"input.{finding.rule}", finding.path, finding.name, finding.old, finding.new
    if "outputSchema" in old and "outputSchema" not in new:
        yield "tool.output-schema.removed", "outputSchema", "outputSchema", old["outputSchema"], None
    elif "outputSchema" not in old and "outputSchema" in new:
        yield "tool.output-schema.added", "outputSchema", "outputSchema", None, new["outputSchema"]
    elif "outputSchema" in old:
        for finding in compare_schemas(old["outputSchema"], new["outputSchema"], "outputSchema"):
            yield f"output.{finding.rule}", finding.path, finding.name, finding.old, finding.new
    yield from _compare_annotations(old.get("annotations"), new.get("annotations"))
    # _meta and fields this checker does not know (e.g. 2025-11-25 `execution`): shown, as metadata
    for field in sorted((old.keys() | new.keys()) - _TOOL_WALKED):
        if _differs(old.get(field), new.get(field)):
            yield "tool.meta.changed", field, field, old.get(field), new.get(field)


def _compare_annotations(old: Any, new: Any) -> Iterator[_Finding]:
    before = old if isinstance(old, dict) else {}
    after = new if isinstance(new, dict) else {}
    read_only = all(_hint(side, "readOnlyHint") is True for side in (before, after))
    for hint, default in _HINT_DEFAULTS.items():
        if read_only and hint in ("destructiveHint", "idempotentHint"):
            continue  # meaningful only when readOnlyHint is false (spec)
        was, now = _hint(before, hint, default), _hint(after, hint, default)
        if was == now:
            continue
        direction = "weakened" if was == _HINT_SAFE[hint] else "strengthened"
        yield f"annotation.{hint}.{direction}", f"annotations.{hint}", hint, was, now
    for field in sorted((before.keys() | after.keys()) - _HINT_DEFAULTS.keys()):
        if _differs(before.get(field), after.get(field)):
            rule = "tool.title.changed" if field == "title" else "tool.meta.changed"
            yield rule, f"annotations.{field}", f"annotations.{field}", before.get(field), after.get(field)


def _hint(annotations: dict[str, Any], hint: str, default: bool = False) -> bool:
    value = annotations.get(hint, default)
    return value if isinstance(value, bool) else default


def _compare_prompt(prefix: str, old: dict[str, Any], new: dict[str, Any]) -> Iterator[_Finding]:
    for field in sorted((old.keys() | new.keys()) - {"arguments"}):
        if _differs(old.get(field), new.get(field)):
            yield "prompt.description.changed", field, field, old.get(field), new.get(field)
    before, after = _arguments(old.get("arguments")), _arguments(new.get("arguments"))
    for name in sorted(before.keys() - after.keys()):
        yield "prompt.argument.removed", f"arguments.{name}", _quoted(name), before[name], None
    for name in sorted(after.keys() - before.keys()):
        rule = "required-added" if after[name].get("required") is True else "optional-added"
        yield f"prompt.argument.{rule}", f"arguments.{name}", _quoted(name), None, after[name]
    for name in sorted(before.keys() & after.keys()):
        was, now = before[name].get("required") is True, after[name].get("required") is True
        if was != now:
            rule = "became-required" if now else "became-optional"
            yield f"prompt.argument.{rule}", f"arguments.{name}.required", _quoted(name), was, now
        for field in sorted((before[name].keys() | after[name].keys()) - {"required"}):
            if _differs(before[name].get(field), after[name].get(field)):
                path = f"arguments.{name}.{field}"
                yield "prompt.description.changed", path, path, before[name].get(field), after[name].get(field)


def _arguments(value: Any) -> dict[str, dict[str, Any]]:
    if not isinstance(value, list):
        return {}
    return {entry["name"]: entry for entry in value if isinstance(entry, dict) and isinstance(entry.get("name"), str)}


def _compare_resource(prefix: str, old: dict[str, Any], new: dict[str, Any]) -> Iterator[_Finding]:
    for field in sorted(old.keys() | new.keys()):
        if not _differs(old.get(field), new.get(field)):
            continue
        rule = f"{prefix}.mime-type.changed" if field == "mimeType" else f"{prefix}.description.changed"
        yield rule, field, field, old.get(field), new.get(field)


def _differs(old: Any, new: Any) -> bool:
    return canonical_bytes(old) != canonical_bytes(new)


def _quoted(name: str) -> str:
    return json.dumps(name, ensure_ascii=False)


def _shown(value: Any) -> str:
    """A short one-line JSON rendering for messages (values come from servers: never trusted to be short)."""
    if value is None:
        return "(none)"
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 1] + "…"
