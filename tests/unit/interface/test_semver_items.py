"""Item rules (tools, annotations, prompts, resources, templates, server), the bump, policy overrides, and the
catalogue itself: each rule has a case that fires it and a near miss that must not."""

from __future__ import annotations

from typing import Any, NamedTuple

import pytest

from mcpship import ServerSnapshot, UsageError, lock_from_snapshot
from mcpship.interface import InterfaceLock
from mcpship.interface.rules import RULES
from mcpship.interface.semver import Change, Classification, classify


def lock(instructions: str | None = None, **items: list[dict[str, Any]]) -> InterfaceLock:
    snapshot = ServerSnapshot(
        target="demo",
        protocol_version="2026-07-28",
        server_info={"name": "demo"},
        capabilities={},
        instructions=instructions,
        **items,
    )
    return lock_from_snapshot(snapshot)


def tool(**fields: Any) -> dict[str, Any]:
    return {"name": "t", "inputSchema": {"type": "object"}, **fields}


def prompt(*arguments: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"name": "p", "arguments": list(arguments), **fields}


def resource(**fields: Any) -> dict[str, Any]:
    return {"uri": "file:///a", "name": "a", **fields}


def template(**fields: Any) -> dict[str, Any]:
    return {"uriTemplate": "file:///{x}", "name": "x", **fields}


class Case(NamedTuple):
    old: InterfaceLock
    new: InterfaceLock
    rules: set[str]
    bump: str | None


def tools(old: dict[str, Any], new: dict[str, Any], rules: set[str], bump: str | None) -> Case:
    return Case(lock(tools=[old]), lock(tools=[new]), rules, bump)


def hints(old: dict[str, Any], new: dict[str, Any], rules: set[str], bump: str | None) -> Case:
    return tools(tool(annotations=old), tool(annotations=new), rules, bump)


def prompts(old: dict[str, Any], new: dict[str, Any], rules: set[str], bump: str | None) -> Case:
    return Case(lock(prompts=[old]), lock(prompts=[new]), rules, bump)


REQUIRED = {"name": "a", "required": True}
OPTIONAL = {"name": "a"}
OUTPUT = {"type": "object", "properties": {"n": {"type": "integer"}}}

CASES: dict[str, Case] = {
    "tool added": Case(lock(), lock(tools=[tool()]), {"tool.added"}, "minor"),
    "tool removed": Case(lock(tools=[tool()]), lock(), {"tool.removed"}, "major"),
    "tool renamed is removed and added": Case(
        lock(tools=[tool()]), lock(tools=[tool(name="u")]), {"tool.removed", "tool.added"}, "major"
    ),
    "tool title changed": tools(tool(title="A"), tool(title="B"), {"tool.title.changed"}, "patch"),
    "tool description changed": tools(tool(description="A"), tool(), {"tool.description.changed"}, "patch"),
    "tool icons changed": tools(tool(), tool(icons=[{"src": "https://x/i.png"}]), {"tool.icons.changed"}, "patch"),
    "tool _meta changed": tools(tool(_meta={"a": 1}), tool(_meta={"a": 2}), {"tool.meta.changed"}, "patch"),
    "an unknown tool field changed": tools(
        tool(execution={"taskSupport": "optional"}), tool(), {"tool.meta.changed"}, "patch"
    ),
    "output schema added": tools(tool(), tool(outputSchema=OUTPUT), {"tool.output-schema.added"}, "minor"),
    "output schema removed": tools(tool(outputSchema=OUTPUT), tool(), {"tool.output-schema.removed"}, "major"),
    "near miss: the same tool": tools(
        tool(title="A", outputSchema=OUTPUT), tool(title="A", outputSchema=OUTPUT), set(), None
    ),
    "near miss: keys reordered": tools(
        {"inputSchema": {"type": "object"}, "name": "t", "title": "A"},
        {"title": "A", "name": "t", "inputSchema": {"type": "object"}},
        set(),
        None,
    ),
    # annotations, spec defaults resolved first
    "readOnlyHint weakened": hints({"readOnlyHint": True}, {}, {"annotation.readOnlyHint.weakened"}, "major"),
    "readOnlyHint strengthened": hints({}, {"readOnlyHint": True}, {"annotation.readOnlyHint.strengthened"}, "minor"),
    "destructiveHint weakened": hints({"destructiveHint": False}, {}, {"annotation.destructiveHint.weakened"}, "major"),
    "destructiveHint strengthened": hints(
        {"destructiveHint": True}, {"destructiveHint": False}, {"annotation.destructiveHint.strengthened"}, "minor"
    ),
    "idempotentHint weakened": hints(
        {"idempotentHint": True}, {"idempotentHint": False}, {"annotation.idempotentHint.weakened"}, "major"
    ),
    "idempotentHint strengthened": hints(
        {}, {"idempotentHint": True}, {"annotation.idempotentHint.strengthened"}, "minor"
    ),
    "openWorldHint weakened": hints({"openWorldHint": False}, {}, {"annotation.openWorldHint.weakened"}, "major"),
    "openWorldHint strengthened": hints(
        {"openWorldHint": True}, {"openWorldHint": False}, {"annotation.openWorldHint.strengthened"}, "minor"
    ),
    "near miss: a hint made explicit at its default": hints(
        {},
        {"readOnlyHint": False, "destructiveHint": True, "idempotentHint": False, "openWorldHint": True},
        set(),
        None,
    ),
    "near miss: annotations absent or empty": tools(tool(), tool(annotations={}), set(), None),
    "near miss: destructive ignored while read-only on both sides": hints(
        {"readOnlyHint": True, "destructiveHint": False, "idempotentHint": True},
        {"readOnlyHint": True, "destructiveHint": True, "idempotentHint": False},
        set(),
        None,
    ),
    "destructive counts once read-only is dropped": hints(
        {"readOnlyHint": True, "destructiveHint": False},
        {"destructiveHint": True},
        {"annotation.readOnlyHint.weakened", "annotation.destructiveHint.weakened"},
        "major",
    ),
    "a malformed hint reads as its default": hints({"readOnlyHint": "yes"}, {}, set(), None),
    "annotations title changed": hints({"title": "A"}, {"title": "B"}, {"tool.title.changed"}, "patch"),
    "an unknown annotation changed": hints({"x": 1}, {}, {"tool.meta.changed"}, "patch"),
    # prompts
    "prompt added": Case(lock(), lock(prompts=[prompt()]), {"prompt.added"}, "minor"),
    "prompt removed": Case(lock(prompts=[prompt()]), lock(), {"prompt.removed"}, "major"),
    "required argument added": prompts(prompt(), prompt(REQUIRED), {"prompt.argument.required-added"}, "major"),
    "optional argument added": prompts(prompt(), prompt(OPTIONAL), {"prompt.argument.optional-added"}, "minor"),
    "argument removed": prompts(prompt(OPTIONAL), prompt(), {"prompt.argument.removed"}, "major"),
    "argument became required": prompts(
        prompt(OPTIONAL), prompt(REQUIRED), {"prompt.argument.became-required"}, "major"
    ),
    "argument became optional": prompts(
        prompt(REQUIRED), prompt({"name": "a", "required": False}), {"prompt.argument.became-optional"}, "minor"
    ),
    "prompt description changed": prompts(
        prompt(description="a"), prompt(description="b"), {"prompt.description.changed"}, "patch"
    ),
    "prompt title changed": prompts(prompt(), prompt(title="b"), {"prompt.description.changed"}, "patch"),
    "argument description changed": prompts(
        prompt({"name": "a", "description": "x"}),
        prompt({"name": "a", "description": "y"}),
        {"prompt.description.changed"},
        "patch",
    ),
    "near miss: arguments reordered": prompts(
        prompt(OPTIONAL, {"name": "b"}), prompt({"name": "b"}, OPTIONAL), set(), None
    ),
    "near miss: required false is absent": prompts(
        prompt(OPTIONAL), prompt({"name": "a", "required": False}), set(), None
    ),
    # resources and templates
    "resource added": Case(lock(), lock(resources=[resource()]), {"resource.added"}, "minor"),
    "resource removed": Case(lock(resources=[resource()]), lock(), {"resource.removed"}, "major"),
    "resource MIME type changed": Case(
        lock(resources=[resource(mimeType="text/plain")]),
        lock(resources=[resource(mimeType="text/html")]),
        {"resource.mime-type.changed"},
        "major",
    ),
    "resource text changed": Case(
        lock(resources=[resource(name="a", size=1)]),
        lock(resources=[resource(name="b", size=2)]),
        {"resource.description.changed"},
        "patch",
    ),
    "template added": Case(lock(), lock(resource_templates=[template()]), {"resource-template.added"}, "minor"),
    "template removed": Case(lock(resource_templates=[template()]), lock(), {"resource-template.removed"}, "major"),
    "template MIME type changed": Case(
        lock(resource_templates=[template()]),
        lock(resource_templates=[template(mimeType="text/html")]),
        {"resource-template.mime-type.changed"},
        "major",
    ),
    "template text changed": Case(
        lock(resource_templates=[template(description="a")]),
        lock(resource_templates=[template(annotations={"priority": 1})]),
        {"resource-template.description.changed"},
        "patch",
    ),
    "near miss: the same resource": Case(
        lock(resources=[resource(mimeType="a/b")]), lock(resources=[resource(mimeType="a/b")]), set(), None
    ),
    # server
    "instructions changed": Case(lock("a"), lock("b"), {"server.instructions.changed"}, "patch"),
    "instructions added": Case(lock(None), lock("b"), {"server.instructions.changed"}, "patch"),
    "near miss: the same instructions": Case(lock("a"), lock("a"), set(), None),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_an_item_change_gives_exactly_its_rules_and_bump(case: Case) -> None:
    result = classify(case.old, case.new)
    assert {change.rule for change in result.changes} == case.rules
    assert result.bump == case.bump


def test_every_item_rule_has_a_case_that_fires_it() -> None:
    fired = {rule for case in CASES.values() for rule in case.rules}
    assert fired == {rule for rule in RULES if not rule.startswith(("input.", "output."))}


# The shared catalogue (COMMON.md): other helpers and the corpus code against exactly these ids.
SCHEMA_SUFFIXES = [
    "property.required-added",
    "property.optional-added",
    "property.removed",
    "property.became-required",
    "property.became-optional",
    "type.narrowed",
    "type.widened",
    "type.changed",
    "enum.value-removed",
    "enum.value-added",
    "enum.added",
    "enum.removed",
    "const.added",
    "const.changed",
    "const.removed",
    "additional-properties.closed",
    "additional-properties.opened",
    "bound.tightened",
    "bound.relaxed",
    "pattern.added",
    "pattern.removed",
    "pattern.changed",
    "format.added",
    "format.removed",
    "format.changed",
    "composition.branch-removed",
    "composition.branch-added",
    "composition.member-added",
    "composition.member-removed",
    "keyword.added",
    "keyword.removed",
    "keyword.changed",
    "ref.unresolvable",
    "default.changed",
    "description.changed",
]
ITEM_RULES = [
    "tool.added",
    "tool.removed",
    "tool.title.changed",
    "tool.description.changed",
    "tool.icons.changed",
    "tool.meta.changed",
    "tool.output-schema.added",
    "tool.output-schema.removed",
    "prompt.added",
    "prompt.removed",
    "prompt.argument.required-added",
    "prompt.argument.optional-added",
    "prompt.argument.removed",
    "prompt.argument.became-required",
    "prompt.argument.became-optional",
    "prompt.description.changed",
    "resource.added",
    "resource.removed",
    "resource.mime-type.changed",
    "resource.description.changed",
    "resource-template.added",
    "resource-template.removed",
    "resource-template.mime-type.changed",
    "resource-template.description.changed",
    "server.instructions.changed",
]
HINTS = ("readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint")


def test_the_catalogue_holds_exactly_the_shared_rule_ids() -> None:
    expected = {
        *ITEM_RULES,
        *(f"annotation.{hint}.{way}" for hint in HINTS for way in ("weakened", "strengthened")),
        *(f"{side}.{suffix}" for side in ("input", "output") for suffix in SCHEMA_SUFFIXES),
    }
    assert set(RULES) == expected


@pytest.mark.parametrize(
    ("rule", "severity", "review"),
    [
        ("input.pattern.changed", "major", True),
        ("output.keyword.added", "minor", True),
        ("input.keyword.removed", "minor", True),
        ("output.ref.unresolvable", "major", True),
        ("input.bound.tightened", "major", False),
        ("output.bound.tightened", "minor", False),
        ("output.default.changed", "patch", False),
        ("annotation.openWorldHint.weakened", "major", False),
        ("tool.meta.changed", "patch", False),
    ],
)
def test_catalogue_entries_carry_their_severity_and_review_flag(rule: str, severity: str, review: bool) -> None:
    assert (RULES[rule].severity, RULES[rule].review) == (severity, review)


def test_the_bump_is_the_largest_severity_and_none_when_nothing_changed() -> None:
    assert Classification(()).bump is None
    old = lock(tools=[tool(title="A")])
    assert classify(old, lock(tools=[tool(title="B")])).bump == "patch"
    assert classify(old, lock(tools=[tool(title="B"), tool(name="u")])).bump == "minor"
    assert classify(old, lock(tools=[tool(name="u")])).bump == "major"


def test_at_least_keeps_the_changes_of_that_severity_or_above() -> None:
    result = classify(lock(tools=[tool(title="A")]), lock(tools=[tool(title="B"), tool(name="u")]))
    assert [change.rule for change in result.at_least("minor")] == ["tool.added"]
    assert len(result.at_least("patch")) == 2
    assert result.at_least("major") == ()


def test_a_change_carries_item_path_message_and_values() -> None:
    (change,) = classify(lock(tools=[tool(title="A")]), lock(tools=[tool(title="B")])).changes
    assert change == Change(
        rule="tool.title.changed",
        severity="patch",
        review=False,
        kind="tools",
        key="t",
        path="title",
        message='title changed from "A" to "B"',
        old="A",
        new="B",
    )
    assert change.to_json()["rule"] == "tool.title.changed"


def test_changes_come_in_a_stable_order_server_first_then_items_by_kind_and_key() -> None:
    old = lock("a", tools=[tool(name="b"), tool(name="c")], prompts=[prompt()])
    new = lock("b", tools=[tool(name="a"), tool(name="c", title="x")], resources=[resource()])
    assert [(change.kind, change.key, change.rule) for change in classify(old, new).changes] == [
        ("server", "instructions", "server.instructions.changed"),
        ("tools", "b", "tool.removed"),
        ("tools", "a", "tool.added"),
        ("tools", "c", "tool.title.changed"),
        ("prompts", "p", "prompt.removed"),
        ("resources", "file:///a", "resource.added"),
    ]


def test_an_override_replaces_the_severity_of_that_rule_only() -> None:
    old, new = tool(annotations={"openWorldHint": False}), tool(annotations={}, title="x")
    result = classify(lock(tools=[old]), lock(tools=[new]), overrides={"annotation.openWorldHint.weakened": "minor"})
    assert {(change.rule, change.severity) for change in result.changes} == {
        ("annotation.openWorldHint.weakened", "minor"),
        ("tool.title.changed", "patch"),
    }
    assert result.bump == "minor"


def test_an_override_of_an_unknown_rule_is_a_usage_error_naming_it() -> None:
    with pytest.raises(UsageError, match=r"unknown rule 'tool\.renamed'") as raised:
        classify(lock(), lock(), overrides={"tool.renamed": "minor"})
    assert raised.value.hint is not None
    assert "catalogue" in raised.value.hint


def test_an_override_to_an_unknown_severity_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="not one of patch, minor, major"):
        classify(lock(), lock(), overrides={"tool.added": "breaking"})  # type: ignore[dict-item]


def test_hostile_item_shapes_are_compared_without_raising() -> None:
    old = lock(tools=[tool(annotations="yes", inputSchema=[1])], prompts=[prompt(arguments="x")])
    new = lock(tools=[tool(annotations=None, inputSchema=None)], prompts=[prompt(arguments=[1, {"name": 2}])])
    rules = {change.rule for change in classify(old, new).changes}
    assert "input.keyword.changed" in rules


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            lock(prompts=[prompt({"name": "é"})]),
            lock(prompts=[prompt()]),
            ("prompt.argument.removed", "arguments.é", 'argument "é" removed', {"name": "é"}, None),
        ),
        (
            lock(prompts=[prompt(OPTIONAL)]),
            lock(prompts=[prompt(REQUIRED)]),
            ("prompt.argument.became-required", "arguments.a.required", 'argument "a" became required', False, True),
        ),
        (
            lock(prompts=[prompt(title="A")]),
            lock(prompts=[prompt(title="B")]),
            ("prompt.description.changed", "title", "title changed", "A", "B"),
        ),
        (
            lock(prompts=[prompt({"name": "a", "title": "x"})]),
            lock(prompts=[prompt({"name": "a", "title": "y"})]),
            ("prompt.description.changed", "arguments.a.title", "arguments.a.title changed", "x", "y"),
        ),
        (
            lock(resources=[resource(mimeType="text/plain")]),
            lock(resources=[resource(mimeType="text/html")]),
            (
                "resource.mime-type.changed",
                "mimeType",
                'MIME type changed from "text/plain" to "text/html"',
                "text/plain",
                "text/html",
            ),
        ),
        (
            lock(resource_templates=[template(size=1)]),
            lock(resource_templates=[template(size=2)]),
            ("resource-template.description.changed", "size", "size changed", 1, 2),
        ),
        (
            lock(tools=[tool(annotations={"readOnlyHint": True})]),
            lock(tools=[tool()]),
            (
                "annotation.readOnlyHint.weakened",
                "annotations.readOnlyHint",
                "readOnlyHint weakened from true to false",
                True,
                False,
            ),
        ),
        (
            lock(tools=[tool(annotations={"title": "A"})]),
            lock(tools=[tool(annotations={"title": "B"})]),
            ("tool.title.changed", "annotations.title", 'title changed from "A" to "B"', "A", "B"),
        ),
        (
            lock(tools=[tool(_meta={"a": 1})]),
            lock(tools=[tool()]),
            ("tool.meta.changed", "_meta", "_meta changed", {"a": 1}, None),
        ),
        (
            lock(tools=[tool(outputSchema=OUTPUT)]),
            lock(tools=[tool()]),
            (
                "tool.output-schema.removed",
                "outputSchema",
                "output schema removed: structured results are no longer promised",
                OUTPUT,
                None,
            ),
        ),
    ],
)
def test_item_changes_carry_path_message_and_values(
    old: InterfaceLock, new: InterfaceLock, expected: tuple[Any, ...]
) -> None:
    (change,) = classify(old, new).changes
    assert (change.rule, change.path, change.message, change.old, change.new) == expected


def test_a_change_as_json_has_every_field() -> None:
    change = Change("tool.title.changed", "patch", False, "tools", "t", "title", "m", "A", None)
    assert change.to_json() == {
        "rule": "tool.title.changed",
        "severity": "patch",
        "review": False,
        "kind": "tools",
        "key": "t",
        "path": "title",
        "message": "m",
        "old": "A",
        "new": None,
    }


def test_a_key_field_of_another_type_but_the_same_text_is_a_change() -> None:
    result = classify(lock(prompts=[prompt(name=1)]), lock(prompts=[prompt(name="1")]))
    assert [(change.rule, change.path) for change in result.changes] == [("prompt.description.changed", "name")]
