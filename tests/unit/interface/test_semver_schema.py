"""Schema rules: a table of (old, new) schema pairs with the exact rule ids they give, checked once as a tool's
``inputSchema`` (callers send it: narrowing breaks) and once as its ``outputSchema`` (callers receive it: widening
breaks), with the bump each direction requires. Each rule has a case that fires it and a near miss that must not."""

from __future__ import annotations

from typing import Any, NamedTuple

import pytest

from mcpship import ServerSnapshot, lock_from_snapshot
from mcpship.interface import InterfaceLock, schema_compat
from mcpship.interface.semver import Classification, classify

STRING: dict[str, Any] = {"type": "string"}
NULL: dict[str, Any] = {"type": "null"}


def obj(required: tuple[str, ...] = (), **properties: Any) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    return schema


def prop(**keywords: Any) -> dict[str, Any]:
    """An object schema whose one property ``p`` has these keywords."""
    return obj(p=keywords)


class Case(NamedTuple):
    old: Any
    new: Any
    rules: set[str]
    """Rule ids without the ``input.``/``output.`` prefix."""
    input_bump: str | None
    output_bump: str | None


CASES: dict[str, Case] = {
    # properties
    "required property added": Case(
        obj(a=STRING), obj(("b",), a=STRING, b=STRING), {"property.required-added"}, "major", "minor"
    ),
    "optional property added (old schema read as closed)": Case(
        obj(a=STRING), obj(a=STRING, b=STRING), {"property.optional-added"}, "minor", "minor"
    ),
    "property removed": Case(obj(a=STRING, b=STRING), obj(a=STRING), {"property.removed"}, "major", "major"),
    "property became required": Case(
        obj(a=STRING), obj(("a",), a=STRING), {"property.became-required"}, "major", "minor"
    ),
    "property became optional": Case(
        obj(("a",), a=STRING), obj(a=STRING), {"property.became-optional"}, "minor", "major"
    ),
    "a required name without a property becoming required": Case(
        obj(), obj(("x",)), {"property.became-required"}, "major", "minor"
    ),
    "near miss: required list reordered": Case(
        obj(("a", "b"), a=STRING, b=STRING), obj(("b", "a"), a=STRING, b=STRING), set(), None, None
    ),
    "near miss: properties reordered": Case(
        {"type": "object", "properties": {"a": STRING, "b": NULL}},
        {"type": "object", "properties": {"b": NULL, "a": STRING}},
        set(),
        None,
        None,
    ),
    "nested property path": Case(
        obj(f=obj(city=STRING)), obj(f=obj(("city",), city=STRING)), {"property.became-required"}, "major", "minor"
    ),
    # types
    "type narrowed from a list": Case(
        prop(type=["string", "null"]), prop(type="string"), {"type.narrowed"}, "major", "minor"
    ),
    "type narrowed number to integer": Case(
        prop(type="number"), prop(type="integer"), {"type.narrowed"}, "major", "minor"
    ),
    "type narrowed from none": Case(prop(), prop(type="string"), {"type.narrowed"}, "major", "minor"),
    "type widened integer to number": Case(
        prop(type="integer"), prop(type="number"), {"type.widened"}, "minor", "major"
    ),
    "type widened to a list": Case(
        prop(type="string"), prop(type=["string", "null"]), {"type.widened"}, "minor", "major"
    ),
    "type removed is widened": Case(prop(type="string"), prop(), {"type.widened"}, "minor", "major"),
    "type changed": Case(prop(type="string"), prop(type="integer"), {"type.changed"}, "major", "major"),
    "type changed across a list": Case(
        prop(type=["string", "null"]), prop(type=["integer", "null"]), {"type.changed"}, "major", "major"
    ),
    "near miss: type list reordered": Case(
        prop(type=["string", "null"]), prop(type=["null", "string"]), set(), None, None
    ),
    "near miss: integer+number list equals number": Case(
        prop(type=["integer", "number"]), prop(type="number"), set(), None, None
    ),
    "malformed type is a review": Case(prop(type="string"), prop(type=7), {"keyword.changed"}, "major", "major"),
    # enum and const
    "enum value removed": Case(prop(enum=["a", "b"]), prop(enum=["a"]), {"enum.value-removed"}, "major", "minor"),
    "enum value added": Case(prop(enum=["a"]), prop(enum=["a", "b"]), {"enum.value-added"}, "minor", "major"),
    "enum true is not enum 1": Case(
        prop(enum=[True]), prop(enum=[1]), {"enum.value-removed", "enum.value-added"}, "major", "major"
    ),
    "near miss: enum reordered": Case(prop(enum=["a", "b"]), prop(enum=["b", "a"]), set(), None, None),
    "enum added": Case(prop(type="string"), prop(type="string", enum=["a"]), {"enum.added"}, "major", "minor"),
    "enum removed": Case(prop(enum=["a"]), prop(), {"enum.removed"}, "minor", "major"),
    "malformed properties appearing is a review": Case(
        obj(), {"type": "object", "properties": "x"}, {"keyword.changed"}, "major", "major"
    ),
    "malformed required going away is a review": Case(
        {**obj(), "required": "a"}, obj(), {"keyword.changed"}, "major", "major"
    ),
    "malformed enum is a review": Case(prop(enum=["a"]), prop(enum="a"), {"keyword.changed"}, "major", "major"),
    "const added": Case(prop(type="string"), prop(type="string", const="a"), {"const.added"}, "major", "minor"),
    "const changed": Case(prop(const="a"), prop(const="b"), {"const.changed"}, "major", "minor"),
    "const removed": Case(prop(const="a"), prop(), {"const.removed"}, "minor", "major"),
    "near miss: const false is not const 0": Case(
        prop(const=False), prop(const=0), {"const.changed"}, "major", "minor"
    ),
    # additionalProperties
    "additional properties closed": Case(
        obj(a=STRING),
        {**obj(a=STRING), "additionalProperties": False},
        {"additional-properties.closed"},
        "major",
        "minor",
    ),
    "additional properties opened": Case(
        {**obj(a=STRING), "additionalProperties": False},
        obj(a=STRING),
        {"additional-properties.opened"},
        "minor",
        "major",
    ),
    "near miss: absent additionalProperties is true": Case(
        obj(), {**obj(), "additionalProperties": True}, set(), None, None
    ),
    "additional properties schema narrowed": Case(
        {**obj(), "additionalProperties": {"type": "number"}},
        {**obj(), "additionalProperties": {"type": "integer"}},
        {"type.narrowed"},
        "major",
        "minor",
    ),
    # bounds
    "maximum tightened": Case(prop(maximum=10), prop(maximum=5), {"bound.tightened"}, "major", "minor"),
    "minimum tightened": Case(prop(minimum=1), prop(minimum=2), {"bound.tightened"}, "major", "minor"),
    "minLength set": Case(prop(), prop(minLength=1), {"bound.tightened"}, "major", "minor"),
    "exclusiveMaximum tightened": Case(
        prop(exclusiveMaximum=1.5), prop(exclusiveMaximum=1), {"bound.tightened"}, "major", "minor"
    ),
    "maxItems tightened": Case(prop(maxItems=3), prop(maxItems=2), {"bound.tightened"}, "major", "minor"),
    "minProperties set": Case(prop(), prop(minProperties=1), {"bound.tightened"}, "major", "minor"),
    "multipleOf made stricter": Case(prop(multipleOf=2), prop(multipleOf=4), {"bound.tightened"}, "major", "minor"),
    "uniqueItems set": Case(prop(), prop(uniqueItems=True), {"bound.tightened"}, "major", "minor"),
    "maximum relaxed": Case(prop(maximum=5), prop(maximum=10), {"bound.relaxed"}, "minor", "major"),
    "minimum relaxed": Case(prop(minimum=2), prop(minimum=1), {"bound.relaxed"}, "minor", "major"),
    "maxLength dropped": Case(prop(maxLength=5), prop(), {"bound.relaxed"}, "minor", "major"),
    "multipleOf made looser": Case(prop(multipleOf=0.5), prop(multipleOf=0.25), {"bound.relaxed"}, "minor", "major"),
    "multipleOf changed both ways": Case(
        prop(multipleOf=2), prop(multipleOf=3), {"bound.tightened", "bound.relaxed"}, "major", "major"
    ),
    "multipleOf 1 made stricter": Case(prop(multipleOf=1), prop(multipleOf=2), {"bound.tightened"}, "major", "minor"),
    "multipleOf relaxed to 1": Case(prop(multipleOf=2), prop(multipleOf=1), {"bound.relaxed"}, "minor", "major"),
    "an invalid multipleOf 0 replaced": Case(
        prop(multipleOf=0), prop(multipleOf=2), {"bound.relaxed"}, "minor", "major"
    ),
    "multipleOf set to an invalid 0": Case(
        prop(multipleOf=2), prop(multipleOf=0), {"bound.tightened"}, "major", "minor"
    ),
    "uniqueItems unset": Case(prop(uniqueItems=True), prop(uniqueItems=False), {"bound.relaxed"}, "minor", "major"),
    "near miss: maximum 10 is 10.0": Case(prop(maximum=10), prop(maximum=10.0), set(), None, None),
    "near miss: uniqueItems false is absent": Case(prop(), prop(uniqueItems=False), set(), None, None),
    "a boolean bound (draft 4) is a review": Case(
        prop(exclusiveMinimum=True), prop(exclusiveMinimum=False), {"keyword.changed"}, "major", "major"
    ),
    # pattern and format
    "pattern added": Case(prop(type="string"), prop(type="string", pattern="^a"), {"pattern.added"}, "major", "minor"),
    "pattern removed": Case(prop(pattern="^a"), prop(), {"pattern.removed"}, "minor", "major"),
    "pattern changed needs review": Case(prop(pattern="^a"), prop(pattern="^b"), {"pattern.changed"}, "major", "major"),
    "format added": Case(prop(type="string"), prop(type="string", format="uri"), {"format.added"}, "major", "minor"),
    "format removed": Case(prop(format="uri"), prop(), {"format.removed"}, "minor", "major"),
    "format changed needs review": Case(prop(format="uri"), prop(format="email"), {"format.changed"}, "major", "major"),
    # composition
    "anyOf branch removed": Case(
        prop(anyOf=[STRING, NULL]), prop(anyOf=[STRING]), {"composition.branch-removed"}, "major", "minor"
    ),
    "oneOf branch added": Case(
        prop(oneOf=[STRING]), prop(oneOf=[STRING, NULL]), {"composition.branch-added"}, "minor", "major"
    ),
    "a type gaining a null branch (Optional)": Case(
        prop(type="string", title="P"),
        prop(anyOf=[STRING, NULL], title="P"),
        {"composition.branch-added"},
        "minor",
        "major",
    ),
    "one changed branch is compared inside": Case(
        prop(anyOf=[STRING, NULL]),
        prop(anyOf=[{"type": "string", "maxLength": 5}, NULL]),
        {"bound.tightened"},
        "major",
        "minor",
    ),
    "an Optional with a default keeps the default outside the branch": Case(
        prop(type="string", default="a"),
        prop(anyOf=[STRING, NULL], default="a"),
        {"composition.branch-added"},
        "minor",
        "major",
    ),
    "two changed branches are removed and added": Case(
        prop(anyOf=[STRING, NULL]),
        prop(anyOf=[{"type": "integer"}, {"type": "boolean"}]),
        {"composition.branch-removed", "composition.branch-added"},
        "major",
        "major",
    ),
    "near miss: branches reordered": Case(prop(anyOf=[STRING, NULL]), prop(anyOf=[NULL, STRING]), set(), None, None),
    "a union appearing on an unconstrained schema": Case(
        prop(), prop(oneOf=[STRING, NULL]), {"keyword.added"}, "major", "minor"
    ),
    "a union going away": Case(
        prop(title="P", anyOf=[STRING, NULL]), prop(title="P"), {"keyword.removed"}, "minor", "major"
    ),
    "allOf member added": Case(
        prop(allOf=[STRING]), prop(allOf=[STRING, {"maxLength": 3}]), {"composition.member-added"}, "major", "minor"
    ),
    "allOf member removed": Case(
        prop(allOf=[STRING, {"maxLength": 3}]), prop(allOf=[STRING]), {"composition.member-removed"}, "minor", "major"
    ),
    "allOf appearing": Case(prop(), prop(allOf=[STRING]), {"composition.member-added"}, "major", "minor"),
    "one changed allOf member is compared inside": Case(
        prop(allOf=[{"minLength": 1}]), prop(allOf=[{"minLength": 2}]), {"bound.tightened"}, "major", "minor"
    ),
    "near miss: allOf reordered": Case(
        prop(allOf=[STRING, {"maxLength": 3}]), prop(allOf=[{"maxLength": 3}, STRING]), set(), None, None
    ),
    "malformed anyOf is a review": Case(
        prop(anyOf=[STRING]), prop(anyOf=STRING), {"keyword.changed"}, "major", "major"
    ),
    # keywords the checker cannot reason about
    "not added": Case(prop(), prop(**{"not": NULL}), {"keyword.added"}, "major", "minor"),
    "if/then added": Case(obj(), {**obj(), "if": obj(), "then": obj(("a",))}, {"keyword.added"}, "major", "minor"),
    "dependentRequired added": Case(
        obj(), {**obj(), "dependentRequired": {"a": ["b"]}}, {"keyword.added"}, "major", "minor"
    ),
    "unevaluatedProperties added": Case(
        obj(), {**obj(), "unevaluatedProperties": False}, {"keyword.added"}, "major", "minor"
    ),
    "an unknown keyword added": Case(prop(), prop(**{"x-mcp-header": "X-Id"}), {"keyword.added"}, "major", "minor"),
    "patternProperties removed": Case(
        {**obj(), "patternProperties": {"^x": STRING}}, obj(), {"keyword.removed"}, "minor", "major"
    ),
    "contains changed": Case(prop(contains=STRING), prop(contains=NULL), {"keyword.changed"}, "major", "major"),
    "a schema turning false": Case(obj(p=True), obj(p=False), {"keyword.added"}, "major", "minor"),
    "near miss: propertyNames unchanged": Case(
        {**obj(a=STRING), "propertyNames": {"maxLength": 3}},
        {**obj(("a",), a=STRING), "propertyNames": {"maxLength": 3}},
        {"property.became-required"},
        "major",
        "minor",
    ),
    # arrays
    "items narrowed": Case(
        prop(type="array", items={"type": "number"}),
        prop(type="array", items={"type": "integer"}),
        {"type.narrowed"},
        "major",
        "minor",
    ),
    "items added constrains every element": Case(
        prop(type="array"), prop(type="array", items=STRING), {"type.narrowed"}, "major", "minor"
    ),
    "draft-7 tuple items compared whole": Case(
        prop(items=[STRING]), prop(items=[NULL]), {"keyword.changed"}, "major", "major"
    ),
    "prefixItems added": Case(
        prop(type="array"), prop(type="array", prefixItems=[STRING]), {"keyword.added"}, "major", "minor"
    ),
    "prefixItems compared position by position": Case(
        prop(prefixItems=[STRING, {"type": "number"}]),
        prop(prefixItems=[STRING, {"type": "integer"}]),
        {"type.narrowed"},
        "major",
        "minor",
    ),
    "prefixItems of another length": Case(
        prop(prefixItems=[STRING]), prop(prefixItems=[STRING, NULL]), {"keyword.changed"}, "major", "major"
    ),
    # local references
    "a change inside $defs is reported where it is referenced": Case(
        {**obj(f={"$ref": "#/$defs/F"}), "$defs": {"F": obj(city=STRING)}},
        {**obj(f={"$ref": "#/$defs/F"}), "$defs": {"F": obj(("city",), city=STRING)}},
        {"property.became-required"},
        "major",
        "minor",
    ),
    "definitions (draft 7) are followed too": Case(
        {**obj(f={"$ref": "#/definitions/F"}), "definitions": {"F": {"type": "number"}}},
        {**obj(f={"$ref": "#/definitions/F"}), "definitions": {"F": {"type": "integer"}}},
        {"type.narrowed"},
        "major",
        "minor",
    ),
    "inlining a definition changes nothing": Case(
        {**obj(f={"$ref": "#/$defs/F"}), "$defs": {"F": STRING}}, obj(f=STRING), set(), None, None
    ),
    "a $ref with a sibling description": Case(
        {**obj(f={"$ref": "#/$defs/F", "description": "old"}), "$defs": {"F": STRING}},
        {**obj(f={"$ref": "#/$defs/F", "description": "new"}), "$defs": {"F": STRING}},
        {"description.changed"},
        "patch",
        "patch",
    ),
    "a $ref with a conflicting sibling keyword": Case(
        {**obj(f={"$ref": "#/$defs/F"}), "$defs": {"F": {"maxLength": 9}}},
        {**obj(f={"$ref": "#/$defs/F", "maxLength": 3}), "$defs": {"F": {"maxLength": 9}}},
        {"composition.member-added"},
        "major",
        "minor",
    ),
    "a sibling default of a $ref wins over the target's": Case(
        {**obj(f={"$ref": "#/$defs/F", "default": 1}), "$defs": {"F": {"default": 0}}},
        {**obj(f={"$ref": "#/$defs/F", "default": 2}), "$defs": {"F": {"default": 0}}},
        {"default.changed"},
        "patch",
        "patch",
    ),
    "near miss: a $ref with a sibling equal to the target's keyword": Case(
        {**obj(f={"$ref": "#/$defs/F", "type": "string"}), "$defs": {"F": STRING}},
        obj(f=STRING),
        set(),
        None,
        None,
    ),
    "a conflicting sibling joins the target's own allOf": Case(
        {**obj(f={"$ref": "#/$defs/F"}), "$defs": {"F": {"allOf": [STRING], "maxLength": 9}}},
        {**obj(f={"$ref": "#/$defs/F", "maxLength": 3}), "$defs": {"F": {"allOf": [STRING], "maxLength": 9}}},
        {"composition.member-added"},
        "major",
        "minor",
    ),
    "near miss: an unreferenced definition changes": Case(
        {**obj(a=STRING), "$defs": {"F": STRING}}, {**obj(a=STRING), "$defs": {"F": NULL}}, set(), None, None
    ),
    "a recursive schema changed once is reported once": Case(
        {
            **obj(root={"$ref": "#/$defs/N"}),
            "$defs": {"N": obj(kids={"type": "array", "items": {"$ref": "#/$defs/N"}})},
        },
        {
            **obj(root={"$ref": "#/$defs/N"}),
            "$defs": {"N": obj(kids={"type": "array", "items": {"$ref": "#/$defs/N"}}, name=STRING)},
        },
        {"property.optional-added"},
        "minor",
        "minor",
    ),
    "near miss: an unchanged recursive schema": Case(
        {**obj(root={"$ref": "#/$defs/N"}), "$defs": {"N": obj(kids={"items": {"$ref": "#/$defs/N"}})}},
        {**obj(root={"$ref": "#/$defs/N"}), "$defs": {"N": obj(kids={"items": {"$ref": "#/$defs/N"}})}},
        set(),
        None,
        None,
    ),
    "an external $ref is unresolvable": Case(
        obj(f={"$ref": "#/$defs/F"}) | {"$defs": {"F": STRING}},
        obj(f={"$ref": "https://example.com/f.json"}),
        {"ref.unresolvable"},
        "major",
        "major",
    ),
    "a $ref cycle is unresolvable": Case(
        obj(f=STRING),
        {**obj(f={"$ref": "#/$defs/A"}), "$defs": {"A": {"$ref": "#/$defs/B"}, "B": {"$ref": "#/$defs/A"}}},
        {"ref.unresolvable"},
        "major",
        "major",
    ),
    "a $ref that is not a string is unresolvable": Case(
        obj(f=STRING), obj(f={"$ref": 3}), {"ref.unresolvable"}, "major", "major"
    ),
    "near miss: the same external $ref on both sides": Case(
        obj(f={"$ref": "other.json"}), obj(f={"$ref": "other.json"}), set(), None, None
    ),
    # text and defaults
    "default changed": Case(prop(default=1), prop(default=2), {"default.changed"}, "patch", "patch"),
    "default null added": Case(
        prop(type="string"), prop(type="string", default=None), {"default.changed"}, "patch", "patch"
    ),
    "description changed": Case(
        prop(description="a"), prop(description="b"), {"description.changed"}, "patch", "patch"
    ),
    "title changed": Case(prop(title="a"), prop(title="b"), {"description.changed"}, "patch", "patch"),
    "default removed": Case(prop(default=None), prop(), {"default.changed"}, "patch", "patch"),
    "the dialect ($schema) is schema text": Case(
        {"$schema": "https://json-schema.org/draft/2020-12/schema", **obj()},
        {"$schema": "http://json-schema.org/draft-07/schema#", **obj()},
        {"description.changed"},
        "patch",
        "patch",
    ),
    "near miss: nothing changed": Case(
        prop(type="string", description="x"), prop(type="string", description="x"), set(), None, None
    ),
}


def lock(tools: list[dict[str, Any]]) -> InterfaceLock:
    snapshot = ServerSnapshot(
        target="demo", protocol_version="2026-07-28", server_info={"name": "demo"}, capabilities={}, tools=tools
    )
    return lock_from_snapshot(snapshot)


def as_input(schema: Any) -> InterfaceLock:
    return lock([{"name": "t", "inputSchema": schema}])


def as_output(schema: Any) -> InterfaceLock:
    return lock([{"name": "t", "inputSchema": {"type": "object"}, "outputSchema": schema}])


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_an_input_schema_change_gives_exactly_its_rules_and_bump(case: Case) -> None:
    result = classify(as_input(case.old), as_input(case.new))
    assert {change.rule for change in result.changes} == {f"input.{rule}" for rule in case.rules}
    assert result.bump == case.input_bump
    assert all(change.path.startswith("inputSchema") and change.key == "t" for change in result.changes)


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_an_output_schema_change_gives_exactly_its_rules_and_bump(case: Case) -> None:
    result = classify(as_output(case.old), as_output(case.new))
    assert {change.rule for change in result.changes} == {f"output.{rule}" for rule in case.rules}
    assert result.bump == case.output_bump


def test_every_schema_rule_has_a_case_that_fires_it() -> None:
    from mcpship.interface.rules import RULES

    fired = {rule for case in CASES.values() for rule in case.rules}
    assert fired == {rule.removeprefix("input.") for rule in RULES if rule.startswith("input.")}


def rules_and_paths(result: Classification) -> set[tuple[str, str]]:
    return {(change.rule, change.path) for change in result.changes}


def test_nested_changes_name_the_json_path_of_the_property() -> None:
    result = classify(as_input(obj(f=obj(city=STRING))), as_input(obj(f=obj(("city",), city=STRING, zip=STRING))))
    assert rules_and_paths(result) == {
        ("input.property.became-required", "inputSchema.properties.f.required"),
        ("input.property.optional-added", "inputSchema.properties.f.properties.zip"),
    }


def test_a_referenced_change_is_reported_at_the_referring_path_not_in_defs() -> None:
    old = {**obj(f={"$ref": "#/$defs/F"}), "$defs": {"F": {"type": "integer", "maximum": 9}}}
    new = {**obj(f={"$ref": "#/$defs/F"}), "$defs": {"F": {"type": "integer", "maximum": 5}}}
    assert rules_and_paths(classify(as_input(old), as_input(new))) == {
        ("input.bound.tightened", "inputSchema.properties.f.maximum")
    }


def test_branch_and_position_paths_carry_the_index() -> None:
    result = classify(as_input(prop(anyOf=[STRING, NULL])), as_input(prop(anyOf=[STRING])))
    assert rules_and_paths(result) == {("input.composition.branch-removed", "inputSchema.properties.p.anyOf[1]")}
    result = classify(
        as_input(prop(prefixItems=[{"type": "number"}])), as_input(prop(prefixItems=[{"type": "integer"}]))
    )
    assert rules_and_paths(result) == {("input.type.narrowed", "inputSchema.properties.p.prefixItems[0].type")}


def test_review_rules_are_flagged_and_others_are_not() -> None:
    review = classify(as_input(prop(pattern="^a")), as_input(prop(pattern="^b")))
    assert [change.review for change in review.changes] == [True]
    assert review.needs_review
    plain = classify(as_input(prop(maximum=2)), as_input(prop(maximum=1)))
    assert [change.review for change in plain.changes] == [False]
    assert not plain.needs_review


def nested(depth: int, leaf: dict[str, Any]) -> dict[str, Any]:
    schema = leaf
    for _ in range(depth):
        schema = obj(n=schema)
    return schema


def test_a_difference_deeper_than_the_depth_limit_is_unresolvable_not_compatible() -> None:
    deep = schema_compat.MAX_DEPTH + 2
    result = classify(as_input(nested(deep, {"type": "string"})), as_input(nested(deep, {"type": "integer"})))
    assert [change.rule for change in result.changes] == ["input.ref.unresolvable"]
    assert result.changes[0].review


def test_a_difference_just_inside_the_depth_limit_is_compared() -> None:
    depth = schema_compat.MAX_DEPTH - 1
    result = classify(as_input(nested(depth, {"type": "string"})), as_input(nested(depth, {"type": "integer"})))
    assert [change.rule for change in result.changes] == ["input.type.changed"]


def test_a_schema_past_the_node_budget_stops_with_one_unresolvable_change(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(schema_compat, "MAX_NODES", 5)
    old = {"type": "object", "properties": {f"p{i}": {"type": "number"} for i in range(20)}}
    new = {"type": "object", "properties": {f"p{i}": {"type": "integer"} for i in range(20)}}
    rules = [change.rule for change in classify(as_input(old), as_input(new)).changes]
    assert rules.count("input.ref.unresolvable") == 1
    assert rules.count("input.type.narrowed") == 4


def test_an_exponential_reference_graph_is_bounded() -> None:
    defs = {f"d{i}": obj(a={"$ref": f"#/$defs/d{i + 1}"}, b={"$ref": f"#/$defs/d{i + 1}"}) for i in range(40)}
    old = {**obj(root={"$ref": "#/$defs/d0"}), "$defs": {**defs, "d40": {"type": "number"}}}
    new = {**obj(root={"$ref": "#/$defs/d0"}), "$defs": {**defs, "d40": {"type": "integer"}}}
    result = classify(as_input(old), as_input(new))
    assert "input.ref.unresolvable" in {change.rule for change in result.changes}
    assert len(result.changes) <= schema_compat.MAX_NODES


def test_a_huge_multiple_of_compares_exactly_without_overflow() -> None:
    result = classify(as_input(prop(multipleOf=10**400)), as_input(prop(multipleOf=3 * 10**400)))
    assert {change.rule for change in result.changes} == {"input.bound.tightened"}


def test_messages_quote_server_values_briefly() -> None:
    result = classify(as_input(prop(enum=["a"])), as_input(prop(enum=["a", "x" * 500])))
    (change,) = result.changes
    assert change.message.startswith('enum value "xxx')
    assert len(change.message) < 100
    assert change.new == "x" * 500


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (prop(), prop(default=None), "default null added"),
        (prop(default=[1]), prop(), "default [1] removed"),
        (prop(default="a"), prop(default="b"), 'default changed from "a" to "b"'),
        (prop(default=0), prop(default="x" * 100), "default changed from 0 to " + '"' + "x" * 58 + "…"),
    ],
)
def test_default_messages_tell_added_removed_and_changed_apart(old: Any, new: Any, message: str) -> None:
    (change,) = classify(as_input(old), as_input(new)).changes
    assert change.message == message


def test_an_unchanged_reference_graph_is_not_walked_again_and_does_not_exhaust_the_budget() -> None:
    defs = {f"d{i}": obj(a={"$ref": f"#/$defs/d{i + 1}"}, b={"$ref": f"#/$defs/d{i + 1}"}) for i in range(40)}
    old = {**obj(root={"$ref": "#/$defs/d0"}), "$defs": {**defs, "d40": {"type": "number"}}}
    new = {**obj(root={"$ref": "#/$defs/d0"}, extra=STRING), "$defs": {**defs, "d40": {"type": "number"}}}
    assert rules_and_paths(classify(as_input(old), as_input(new))) == {
        ("input.property.optional-added", "inputSchema.properties.extra")
    }


def test_an_unchanged_reference_into_a_changed_part_of_the_root_is_still_followed() -> None:
    old = obj(a={"type": "number"}, b={"$ref": "#/properties/a"})
    new = obj(a={"type": "integer"}, b={"$ref": "#/properties/a"})
    assert rules_and_paths(classify(as_input(old), as_input(new))) == {
        ("input.type.narrowed", "inputSchema.properties.a.type"),
        ("input.type.narrowed", "inputSchema.properties.b.type"),
    }


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (obj(), obj(café=STRING), 'optional property "café" added'),
        (obj(), obj(("x",), x=STRING), 'required property "x" added'),
        (obj(x=STRING), obj(), 'property "x" removed'),
        (obj(x=STRING), obj(("x",), x=STRING), 'property "x" became required'),
        (prop(type="integer"), prop(type=["integer", "null"]), 'type widened from "integer" to ["integer", "null"]'),
        (prop(enum=["é"]), prop(enum=[]), 'enum value "é" removed'),
        (prop(maximum=3), prop(maximum=2), "maximum tightened from 3 to 2"),
        (prop(default="é"), prop(default="x" * 58), 'default changed from "é" to "' + "x" * 58 + '"'),
        (prop(anyOf=[STRING]), prop(anyOf=[STRING, NULL]), 'anyOf branch {"type": "null"} added'),
        (prop(**{"x-a": 1}), prop(), "keyword x-a removed: its effect is not checked"),
        (
            obj(f={"$ref": "other.json"}),
            obj(f={"$ref": "x.json"}),
            '$ref "other.json" is not a local reference that resolves: not compared',
        ),
        (prop(description="a"), prop(description="b"), "description changed"),
    ],
)
def test_messages_name_the_property_keyword_and_values(old: Any, new: Any, message: str) -> None:
    (change,) = classify(as_input(old), as_input(new)).changes
    assert change.message == message


def test_changes_carry_the_old_and_new_values_of_the_keyword() -> None:
    (change,) = classify(as_input(prop(maxLength=5)), as_input(prop(maxLength=3))).changes
    assert (change.path, change.old, change.new) == ("inputSchema.properties.p.maxLength", 5, 3)
    (change,) = classify(as_input(obj(x=STRING)), as_input(obj())).changes
    assert (change.old, change.new) == (STRING, None)
    (change,) = classify(as_input(prop(enum=["a"])), as_input(prop())).changes
    assert (change.old, change.new) == (["a"], None)


@pytest.mark.parametrize(
    ("ref", "resolves"),
    [
        ("#/properties/a~1b", True),
        ("#/properties/t~0", True),
        ("#/prefixItems/1", True),
        ("#/prefixItems/2", False),
        ("#/prefixItems/x", False),
        ("#/properties/missing", False),
        ("#/properties/a~1b/type/deeper", False),
    ],
)
def test_local_pointers_unescape_and_index_lists(ref: str, resolves: bool) -> None:
    properties: dict[str, Any] = {"a/b": {"type": "number"}, "t~": {"type": "number"}}
    base: dict[str, Any] = {"type": "object", "prefixItems": [NULL, {"type": "number"}]}
    old = {**base, "properties": {**properties, "r": {"$ref": ref}}}
    new = {**base, "properties": {**properties, "r": {"type": "integer"}}}
    rules = {change.rule for change in classify(as_input(old), as_input(new)).changes}
    assert rules == ({"input.type.narrowed"} if resolves else {"input.ref.unresolvable"})


def test_a_reference_to_the_root_is_a_recursive_schema() -> None:
    old = obj(child={"$ref": "#"}, name=STRING)
    new = obj(child={"$ref": "#"}, name=STRING, extra=STRING)
    # the child is the root again: its change is the one reported where the walk entered the root
    assert rules_and_paths(classify(as_input(old), as_input(new))) == {
        ("input.property.optional-added", "inputSchema.properties.extra")
    }
