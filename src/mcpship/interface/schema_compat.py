"""How two JSON Schemas of one tool differ, keyword by keyword, as rule findings (the rules say which way breaks).

The walk is syntactic and direction-free: it reports "type narrowed", "bound tightened", "property became
required"; :mod:`mcpship.interface.rules` says what each finding means for an input schema (callers send it:
narrowing breaks them) and for an output schema (callers receive it: widening breaks them).

Choices that matter:

* The old object schema is treated as closed: callers only send the properties it declared, so a new optional
  property is an addition, not a narrowing of "any value under that name".
* Types form a lattice: ``integer`` is a subset of ``number``; ``type`` may be one name or a list.
* ``anyOf``/``oneOf`` branches and ``allOf`` members are matched by canonical equality; one unmatched branch on
  each side is compared as the same branch changed, others are reported as added and removed.
* Local ``$ref`` (``#/$defs/...``, ``#/definitions/...``, any ``#/`` pointer) is followed; the path stays where the
  reference is. A reference cycle that loops back to a pair of schemas already being compared stops there
  (whatever differs in them is reported at the first visit); a chain of references that never reaches a schema,
  an external reference, too deep a nesting or too large a schema is ``ref.unresolvable``.
* Keywords the walk cannot reason about (``not``, ``if``/``then``/``else``, ``patternProperties``,
  ``dependent*``, ``unevaluated*``, ``propertyNames``, ``contains``, and any keyword it does not know) are
  ``keyword.*``, which need review: never reported as compatible.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from mcpship.interface.canonical import canonical_bytes

__all__ = ["MAX_DEPTH", "MAX_NODES", "SchemaFinding", "compare_schemas"]

MAX_DEPTH = 32
MAX_NODES = 20_000
_MAX_SHOWN = 60
_DEFINITIONS = ("#/$defs/", "#/definitions/")

# $schema names the dialect: the walk reads every keyword by its 2020-12 meaning whatever it says
_ANNOTATIONS = ("title", "description", "examples", "$comment", "$schema", "deprecated", "readOnly", "writeOnly")
_LOWER_BOUNDS = ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties", "minContains")
_UPPER_BOUNDS = ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties", "maxContains")
# Keywords walked or compared by a rule of their own; every other keyword is compared as an opaque value.
_UNDERSTOOD = frozenset(
    {
        "type",
        "enum",
        "const",
        "pattern",
        "format",
        "properties",
        "required",
        "additionalProperties",
        "items",
        "prefixItems",
        "anyOf",
        "oneOf",
        "allOf",
        "multipleOf",
        "uniqueItems",
        "default",
        "$ref",
        "$defs",
        "definitions",
        *_ANNOTATIONS,
        *_LOWER_BOUNDS,
        *_UPPER_BOUNDS,
    }
)


@dataclass(frozen=True)
class SchemaFinding:
    rule: str
    """The rule id without its ``input.``/``output.`` prefix, e.g. ``property.became-required``."""
    path: str
    name: str
    old: Any
    new: Any


class _Walk:
    def __init__(self, old_root: Any, new_root: Any) -> None:
        self.roots = (old_root, new_root)
        self.findings: list[SchemaFinding] = []
        self.nodes = 0
        self.in_progress: set[tuple[bytes, bytes]] = set()
        self.budget_spent = False
        self.same_definitions = all(
            _canonical(_mapping(old_root).get(key)) == _canonical(_mapping(new_root).get(key))
            for key in ("$defs", "definitions")
        )

    def same_targets(self, node: Any) -> bool:
        """Whether every ``$ref`` in an unchanged subtree points at the same schema on both sides: true without
        references, or when they all point into ``$defs``/``definitions`` and those are unchanged."""
        refs = list(_refs(node))
        return not refs or (self.same_definitions and all(ref.startswith(_DEFINITIONS) for ref in refs))

    def emit(self, rule: str, path: str, name: str = "", old: Any = None, new: Any = None) -> None:
        self.findings.append(SchemaFinding(rule, path, name, old, new))

    def compare(self, old: Any, new: Any, path: str, depth: int) -> None:
        if _canonical(old) == _canonical(new) and self.same_targets(old):
            return
        self.nodes += 1
        if self.nodes > MAX_NODES:
            if not self.budget_spent:
                self.budget_spent = True
                self.emit("ref.unresolvable", path, f"schema larger than {MAX_NODES} nodes, the rest")
            return
        if depth > MAX_DEPTH:
            self.emit("ref.unresolvable", path, f"schema nested deeper than {MAX_DEPTH} levels")
            return
        old_node, old_problem = self.resolve(old, 0)
        new_node, new_problem = self.resolve(new, 1)
        if old_problem or new_problem:
            if _canonical(old) != _canonical(new):
                self.emit("ref.unresolvable", path, old_problem or new_problem, old, new)
            return
        pair = (_canonical(old_node), _canonical(new_node))
        if pair in self.in_progress:
            return  # a recursive schema met itself again: differences are reported where the walk entered it
        self.in_progress.add(pair)
        try:
            self.compare_nodes(old_node, new_node, path, depth)
        finally:
            self.in_progress.discard(pair)

    def resolve(self, node: Any, side: int) -> tuple[dict[str, Any], str]:
        """The schema a node stands for, with local references followed; a problem text when it cannot be."""
        seen: set[str] = set()
        current = _as_schema(node)
        while isinstance(current.get("$ref"), str):
            ref = current["$ref"]
            if ref in seen:
                return {}, f"$ref {_show(ref)} refers to itself in a cycle"
            if len(seen) >= MAX_DEPTH:
                return {}, f"$ref chain longer than {MAX_DEPTH}"
            seen.add(ref)
            target = _pointer(self.roots[side], ref)
            if target is None:
                return {}, f"$ref {_show(ref)} is not a local reference that resolves"
            siblings = {key: value for key, value in current.items() if key != "$ref"}
            current = _merge(_as_schema(target), siblings)
        if "$ref" in current:
            return {}, f"$ref {_show(current['$ref'])} is not a string"
        return current, ""

    def compare_nodes(self, old: dict[str, Any], new: dict[str, Any], path: str, depth: int) -> None:
        old, new = _lift_composition(old, new)
        self.compare_types(old, new, path)
        self.compare_enum(old, new, path)
        self.compare_presence("const", old, new, path, "const.added", "const.removed", "const.changed")
        self.compare_presence("pattern", old, new, path, "pattern.added", "pattern.removed", "pattern.changed")
        self.compare_presence("format", old, new, path, "format.added", "format.removed", "format.changed")
        self.compare_bounds(old, new, path)
        self.compare_object(old, new, path, depth)
        self.compare_array(old, new, path, depth)
        for keyword in ("anyOf", "oneOf"):
            self.compare_branches(keyword, old, new, path, depth)
        self.compare_members(old, new, path, depth)
        self.compare_annotations(old, new, path)
        for keyword in sorted((old.keys() | new.keys()) - _UNDERSTOOD):
            self.opaque(keyword, old, new, path)

    def compare_presence(
        self, keyword: str, old: dict[str, Any], new: dict[str, Any], path: str, added: str, removed: str, changed: str
    ) -> None:
        here = _join(path, keyword)
        if keyword not in old and keyword in new:
            self.emit(added, here, keyword, None, new[keyword])
        elif keyword in old and keyword not in new:
            self.emit(removed, here, keyword, old[keyword], None)
        elif keyword in old and _canonical(old[keyword]) != _canonical(new[keyword]):
            self.emit(changed, here, keyword, old[keyword], new[keyword])

    def opaque(self, keyword: str, old: dict[str, Any], new: dict[str, Any], path: str) -> None:
        """A keyword compared as a whole value: any difference needs review."""
        self.compare_presence(keyword, old, new, path, "keyword.added", "keyword.removed", "keyword.changed")

    def malformed(self, keyword: str, old: dict[str, Any], new: dict[str, Any], path: str) -> None:
        """A keyword whose value is not of its type on one side: any difference needs review, as a change."""
        if (keyword in old) != (keyword in new) or _canonical(old.get(keyword)) != _canonical(new.get(keyword)):
            self.emit("keyword.changed", _join(path, keyword), keyword, old.get(keyword), new.get(keyword))

    def compare_types(self, old: dict[str, Any], new: dict[str, Any], path: str) -> None:
        if "type" not in old and "type" not in new:
            return
        before, after = _types(old.get("type")), _types(new.get("type"))
        if before is None or after is None:
            if _canonical(old.get("type")) != _canonical(new.get("type")):
                self.emit("keyword.changed", _join(path, "type"), "type", old.get("type"), new.get("type"))
            return
        if before == after:
            return
        here = _join(path, "type")
        widened = all(_type_accepts(after, name) for name in before)
        narrowed = all(_type_accepts(before, name) for name in after)
        shown_old, shown_new = old.get("type"), new.get("type")
        if widened and not narrowed:
            self.emit("type.widened", here, "type", shown_old, shown_new)
        elif narrowed and not widened:
            self.emit("type.narrowed", here, "type", shown_old, shown_new)
        elif not (widened and narrowed):
            self.emit("type.changed", here, "type", shown_old, shown_new)

    def compare_enum(self, old: dict[str, Any], new: dict[str, Any], path: str) -> None:
        here = _join(path, "enum")
        if "enum" not in old or "enum" not in new:
            self.compare_presence("enum", old, new, path, "enum.added", "enum.removed", "enum.removed")
            return
        if not isinstance(old["enum"], list) or not isinstance(new["enum"], list):
            self.malformed("enum", old, new, path)
            return
        before = {_canonical(value): value for value in old["enum"]}
        after = {_canonical(value): value for value in new["enum"]}
        for key in sorted(before.keys() - after.keys()):
            self.emit("enum.value-removed", here, "enum", before[key], None)
        for key in sorted(after.keys() - before.keys()):
            self.emit("enum.value-added", here, "enum", None, after[key])

    def compare_bounds(self, old: dict[str, Any], new: dict[str, Any], path: str) -> None:
        for keyword in (*_LOWER_BOUNDS, *_UPPER_BOUNDS, "multipleOf"):
            if keyword not in old and keyword not in new:
                continue
            before, after = old.get(keyword), new.get(keyword)
            if (before is not None and not _is_number(before)) or (after is not None and not _is_number(after)):
                self.opaque(keyword, old, new, path)
                continue
            if before == after:
                continue
            for rule in _bound_rules(keyword, before, after):
                self.emit(rule, _join(path, keyword), keyword, before, after)
        before_unique, after_unique = old.get("uniqueItems") is True, new.get("uniqueItems") is True
        if before_unique != after_unique:
            rule = "bound.tightened" if after_unique else "bound.relaxed"
            self.emit(rule, _join(path, "uniqueItems"), "uniqueItems", old.get("uniqueItems"), new.get("uniqueItems"))

    def compare_object(self, old: dict[str, Any], new: dict[str, Any], path: str, depth: int) -> None:
        for keyword, kind in (("properties", dict), ("required", list)):
            if any(keyword in node and not isinstance(node[keyword], kind) for node in (old, new)):
                self.malformed(keyword, old, new, path)
        before, after = _mapping(old.get("properties")), _mapping(new.get("properties"))
        required_before, required_after = _names(old.get("required")), _names(new.get("required"))
        for name in sorted(before.keys() - after.keys()):
            self.emit("property.removed", _join(path, "properties", name), _show(name), before[name], None)
        for name in sorted(after.keys() - before.keys()):
            rule = "property.required-added" if name in required_after else "property.optional-added"
            self.emit(rule, _join(path, "properties", name), _show(name), None, after[name])
        for name in sorted(before.keys() & after.keys()):
            self.compare(before[name], after[name], _join(path, "properties", name), depth + 1)
        added = after.keys() - before.keys()
        removed = before.keys() - after.keys()
        for name in sorted(required_after - required_before - added):
            self.emit("property.became-required", _join(path, "required"), _show(name), None, name)
        for name in sorted(required_before - required_after - removed):
            self.emit("property.became-optional", _join(path, "required"), _show(name), name, None)
        self.compare_additional(old, new, path, depth)

    def compare_additional(self, old: dict[str, Any], new: dict[str, Any], path: str, depth: int) -> None:
        before, after = old.get("additionalProperties", True), new.get("additionalProperties", True)
        here = _join(path, "additionalProperties")
        if before is False and after is not False:
            self.emit("additional-properties.opened", here, "additionalProperties", before, after)
        elif before is not False and after is False:
            self.emit("additional-properties.closed", here, "additionalProperties", before, after)
        elif before is not False:
            self.compare(before, after, here, depth + 1)

    def compare_array(self, old: dict[str, Any], new: dict[str, Any], path: str, depth: int) -> None:
        if "items" in old or "items" in new:
            before, after = old.get("items", True), new.get("items", True)
            if isinstance(before, list) or isinstance(after, list):  # draft 7 tuples: compared whole
                self.opaque("items", old, new, path)
            else:
                self.compare(before, after, _join(path, "items"), depth + 1)
        if "prefixItems" not in old or "prefixItems" not in new:
            self.opaque("prefixItems", old, new, path)
            return
        before_list, after_list = old["prefixItems"], new["prefixItems"]
        if not isinstance(before_list, list) or not isinstance(after_list, list) or len(before_list) != len(after_list):
            self.malformed("prefixItems", old, new, path)
            return
        for index, (before, after) in enumerate(zip(before_list, after_list, strict=True)):
            self.compare(before, after, f"{_join(path, 'prefixItems')}[{index}]", depth + 1)

    def compare_branches(self, keyword: str, old: dict[str, Any], new: dict[str, Any], path: str, depth: int) -> None:
        pairs = self.match(keyword, old, new, path)
        if pairs is None:
            return
        gone, came = pairs
        here = _join(path, keyword)
        if len(gone) == 1 and len(came) == 1:
            self.compare(gone[0][1], came[0][1], f"{here}[{came[0][0]}]", depth + 1)
            return
        for index, branch in gone:
            self.emit("composition.branch-removed", f"{here}[{index}]", keyword, branch, None)
        for index, branch in came:
            self.emit("composition.branch-added", f"{here}[{index}]", keyword, None, branch)

    def compare_members(self, old: dict[str, Any], new: dict[str, Any], path: str, depth: int) -> None:
        pairs = self.match("allOf", old, new, path)
        if pairs is None:
            return
        gone, came = pairs
        here = _join(path, "allOf")
        if len(gone) == 1 and len(came) == 1:
            self.compare(gone[0][1], came[0][1], f"{here}[{came[0][0]}]", depth + 1)
            return
        for index, member in gone:
            self.emit("composition.member-removed", f"{here}[{index}]", "allOf", member, None)
        for index, member in came:
            self.emit("composition.member-added", f"{here}[{index}]", "allOf", None, member)

    def match(
        self, keyword: str, old: dict[str, Any], new: dict[str, Any], path: str
    ) -> tuple[list[tuple[int, Any]], list[tuple[int, Any]]] | None:
        """Branches only in the old list and only in the new one (with their indexes), matched by equality."""
        if keyword not in old and keyword not in new:
            return None
        if keyword != "allOf" and (keyword not in old or keyword not in new):
            # a union appearing or going (not lifted above): it narrows or widens as a keyword of its own
            self.opaque(keyword, old, new, path)
            return None
        before, after = old.get(keyword, []), new.get(keyword, [])
        if not isinstance(before, list) or not isinstance(after, list):
            self.malformed(keyword, old, new, path)
            return None
        remaining = [_canonical(branch) for branch in after]
        gone: list[tuple[int, Any]] = []
        for index, branch in enumerate(before):
            key = _canonical(branch)
            if key in remaining:
                remaining[remaining.index(key)] = b""
            else:
                gone.append((index, branch))
        came = [(index, after[index]) for index, key in enumerate(remaining) if key]
        return gone, came

    def compare_annotations(self, old: dict[str, Any], new: dict[str, Any], path: str) -> None:
        for keyword in _ANNOTATIONS:
            if (keyword in old) != (keyword in new) or _canonical(old.get(keyword)) != _canonical(new.get(keyword)):
                self.emit("description.changed", _join(path, keyword), keyword, old.get(keyword), new.get(keyword))
        if "default" not in old and "default" not in new:
            return
        if "default" not in old:
            self.emit(
                "default.changed",
                _join(path, "default"),
                f"default {_brief(new['default'])} added",
                None,
                new["default"],
            )
        elif "default" not in new:
            self.emit(
                "default.changed",
                _join(path, "default"),
                f"default {_brief(old['default'])} removed",
                old["default"],
                None,
            )
        elif _canonical(old["default"]) != _canonical(new["default"]):
            text = f"default changed from {_brief(old['default'])} to {_brief(new['default'])}"
            self.emit("default.changed", _join(path, "default"), text, old["default"], new["default"])


def compare_schemas(old: Any, new: Any, path: str) -> list[SchemaFinding]:
    """Every finding between two schemas (each the root its own local ``$ref`` resolve against)."""
    walk = _Walk(old, new)
    walk.compare(old, new, path, 0)
    return walk.findings


def _refs(node: Any) -> Iterator[str]:
    pending = [node]
    while pending:
        current = pending.pop()
        if isinstance(current, dict):
            if isinstance(current.get("$ref"), str):
                yield current["$ref"]
            pending.extend(current.values())
        elif isinstance(current, list):
            pending.extend(current)


def _as_schema(node: Any) -> dict[str, Any]:
    if node is True:
        return {}
    if node is False:
        return {"not": {}}
    if isinstance(node, dict):
        return node
    return {"not-a-schema": node}  # compared as an unknown keyword: needs review


def _merge(target: dict[str, Any], siblings: dict[str, Any]) -> dict[str, Any]:
    """A ``$ref`` with sibling keywords: annotations of the referring node win; other keywords both apply."""
    merged = dict(target)
    conflicts: dict[str, Any] = {}
    for key, value in siblings.items():
        if key in _ANNOTATIONS or key == "default" or key not in merged:
            merged[key] = value
        elif _canonical(merged[key]) != _canonical(value):
            conflicts[key] = value
    if conflicts:
        members = merged.get("allOf")
        merged["allOf"] = [*(members if isinstance(members, list) else []), conflicts]
    return merged


def _pointer(root: Any, ref: str) -> Any:
    if ref == "#":
        return root
    if not ref.startswith("#/"):
        return None
    current = root
    for raw in ref[2:].split("/"):
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(current, dict) and token in current:
            current = current[token]
        elif isinstance(current, list) and token.isdigit() and int(token) < len(current):
            current = current[int(token)]
        else:
            return None
    return current


def _lift_composition(old: dict[str, Any], new: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``{type: string}`` becoming ``{anyOf: [{type: string}, {type: null}]}`` is one branch gaining a sibling: the
    side without ``anyOf``/``oneOf`` is rewritten as a one-branch composition of its constraints, when the other
    side holds nothing but that composition."""
    for keyword in ("anyOf", "oneOf"):
        if (keyword in old) == (keyword in new):
            continue
        composed, plain = (old, new) if keyword in old else (new, old)
        if _constraints(composed).keys() - {keyword, "$defs", "definitions"} or "anyOf" in plain or "oneOf" in plain:
            continue
        constraints = {key: value for key, value in _constraints(plain).items() if key not in ("$defs", "definitions")}
        if not constraints:
            continue
        lifted = {key: value for key, value in plain.items() if key not in constraints}
        lifted[keyword] = [constraints]
        return (old, lifted) if keyword in old else (lifted, new)
    return old, new


def _constraints(node: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in node.items() if key not in _ANNOTATIONS and key != "default"}


def _types(value: Any) -> frozenset[str] | None:
    """The type names a ``type`` keyword allows (``None``: malformed); absent allows everything."""
    if value is None:
        return frozenset({"*"})
    if isinstance(value, str):
        return frozenset({value})
    if isinstance(value, list) and value and all(isinstance(name, str) for name in value):
        return frozenset(value)
    return None


def _type_accepts(allowed: frozenset[str], name: str) -> bool:
    if "*" in allowed:
        return True
    return name in allowed or (name == "integer" and "number" in allowed)


def _bound_rules(keyword: str, before: Any, after: Any) -> Iterator[str]:
    if before is None:
        yield "bound.tightened"
    elif after is None:
        yield "bound.relaxed"
    elif keyword == "multipleOf":
        tighter = before != 0 and _divides(after, before)
        looser = after != 0 and _divides(before, after)
        if tighter or not looser:
            yield "bound.tightened"
        if looser or not tighter:
            yield "bound.relaxed"
    elif (after > before) == (keyword in _LOWER_BOUNDS):
        yield "bound.tightened"
    else:
        yield "bound.relaxed"


def _divides(value: float, divisor: float) -> bool:
    return (Fraction(value) / Fraction(divisor)).denominator == 1  # exact: no float error, no overflow


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _names(value: Any) -> set[str]:
    return {name for name in value if isinstance(name, str)} if isinstance(value, list) else set()


def _canonical(value: Any) -> bytes:
    return canonical_bytes(value)


def _join(path: str, *parts: str) -> str:
    for part in parts:
        path = f"{path}.{part}" if path else part
    return path


def _show(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _brief(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 1] + "…"
