"""The semver rule catalogue: every change the interface checker can report, as data.

Each rule has an id, the bump it requires, whether it "needs review" (the checker cannot prove the change safe)
and a one-line message template. Schema rules exist twice: ``input.*`` for ``inputSchema`` (what callers send:
narrowing breaks them) and ``output.*`` for ``outputSchema`` (what callers receive: widening breaks them), with the
severity of each direction. Templates name their fields: ``{name}`` (a property, argument or hint), ``{old}`` and
``{new}`` (short JSON renderings of the values).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["RULES", "SEVERITIES", "Rule", "Severity"]

Severity = Literal["patch", "minor", "major"]
SEVERITIES: tuple[Severity, ...] = ("patch", "minor", "major")


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    review: bool
    template: str


# suffix -> (input severity, output severity, needs review, message)
_SCHEMA_RULES: dict[str, tuple[Severity, Severity, bool, str]] = {
    "property.required-added": ("major", "minor", False, "required property {name} added"),
    "property.optional-added": ("minor", "minor", False, "optional property {name} added"),
    "property.removed": ("major", "major", False, "property {name} removed"),
    "property.became-required": ("major", "minor", False, "property {name} became required"),
    "property.became-optional": ("minor", "major", False, "property {name} became optional"),
    "type.narrowed": ("major", "minor", False, "type narrowed from {old} to {new}"),
    "type.widened": ("minor", "major", False, "type widened from {old} to {new}"),
    "type.changed": ("major", "major", False, "type changed from {old} to {new}"),
    "enum.value-removed": ("major", "minor", False, "enum value {old} removed"),
    "enum.value-added": ("minor", "major", False, "enum value {new} added"),
    "enum.added": ("major", "minor", False, "enum {new} added: only these values are allowed now"),
    "enum.removed": ("minor", "major", False, "enum {old} removed: any value is allowed now"),
    "const.added": ("major", "minor", False, "const {new} added"),
    "const.changed": ("major", "minor", False, "const changed from {old} to {new}"),
    "const.removed": ("minor", "major", False, "const {old} removed"),
    "additional-properties.closed": ("major", "minor", False, "additional properties no longer allowed"),
    "additional-properties.opened": ("minor", "major", False, "additional properties allowed now"),
    "bound.tightened": ("major", "minor", False, "{name} tightened from {old} to {new}"),
    "bound.relaxed": ("minor", "major", False, "{name} relaxed from {old} to {new}"),
    "pattern.added": ("major", "minor", False, "pattern {new} added"),
    "pattern.removed": ("minor", "major", False, "pattern {old} removed"),
    "pattern.changed": ("major", "major", True, "pattern changed from {old} to {new}: cannot tell which is wider"),
    "format.added": ("major", "minor", False, "format {new} added"),
    "format.removed": ("minor", "major", False, "format {old} removed"),
    "format.changed": ("major", "major", True, "format changed from {old} to {new}"),
    "composition.branch-removed": ("major", "minor", False, "{name} branch {old} removed"),
    "composition.branch-added": ("minor", "major", False, "{name} branch {new} added"),
    "composition.member-added": ("major", "minor", False, "allOf member {new} added"),
    "composition.member-removed": ("minor", "major", False, "allOf member {old} removed"),
    "keyword.added": ("major", "minor", True, "keyword {name} added: its effect is not checked"),
    "keyword.removed": ("minor", "major", True, "keyword {name} removed: its effect is not checked"),
    "keyword.changed": ("major", "major", True, "keyword {name} changed: its effect is not checked"),
    "ref.unresolvable": ("major", "major", True, "{name}: not compared"),
    "default.changed": ("patch", "patch", False, "{name}"),
    "description.changed": ("patch", "patch", False, "{name} changed"),
}

# id -> (severity, message), for everything outside the schemas
_ITEM_RULES: dict[str, tuple[Severity, str]] = {
    "tool.added": ("minor", "tool added"),
    "tool.removed": ("major", "tool removed (a rename is a removal and an addition)"),
    "tool.title.changed": ("patch", "title changed from {old} to {new}"),
    "tool.description.changed": ("patch", "description changed"),
    "tool.icons.changed": ("patch", "icons changed"),
    "tool.meta.changed": ("patch", "{name} changed"),
    "tool.output-schema.added": ("minor", "output schema added"),
    "tool.output-schema.removed": ("major", "output schema removed: structured results are no longer promised"),
    "prompt.added": ("minor", "prompt added"),
    "prompt.removed": ("major", "prompt removed"),
    "prompt.argument.required-added": ("major", "required argument {name} added"),
    "prompt.argument.optional-added": ("minor", "optional argument {name} added"),
    "prompt.argument.removed": ("major", "argument {name} removed"),
    "prompt.argument.became-required": ("major", "argument {name} became required"),
    "prompt.argument.became-optional": ("minor", "argument {name} became optional"),
    "prompt.description.changed": ("patch", "{name} changed"),
    "server.instructions.changed": ("patch", "instructions changed"),
}
for _prefix, _noun in (("resource", "resource"), ("resource-template", "resource template")):
    _ITEM_RULES |= {
        f"{_prefix}.added": ("minor", f"{_noun} added"),
        f"{_prefix}.removed": ("major", f"{_noun} removed"),
        f"{_prefix}.mime-type.changed": ("major", "MIME type changed from {old} to {new}"),
        f"{_prefix}.description.changed": ("patch", "{name} changed"),
    }
_HINTS = ("readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint")
for _hint in _HINTS:
    _ITEM_RULES |= {
        f"annotation.{_hint}.weakened": ("major", f"{_hint} weakened from {{old}} to {{new}}"),
        f"annotation.{_hint}.strengthened": ("minor", f"{_hint} strengthened from {{old}} to {{new}}"),
    }


def _catalogue() -> dict[str, Rule]:
    rules = {rule_id: Rule(rule_id, severity, False, text) for rule_id, (severity, text) in _ITEM_RULES.items()}
    for suffix, (in_severity, out_severity, review, text) in _SCHEMA_RULES.items():
        rules[f"input.{suffix}"] = Rule(f"input.{suffix}", in_severity, review, text)
        rules[f"output.{suffix}"] = Rule(f"output.{suffix}", out_severity, review, text)
    return rules


RULES: dict[str, Rule] = _catalogue()
"""Every rule id the checker can report, with its default severity."""
