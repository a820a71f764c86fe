"""diff_locks: every added, removed or changed item, and inside a changed item every field by its JSON path."""

from __future__ import annotations

from typing import Any

import pytest

from mcpship import ServerSnapshot, diff_locks, lock_from_snapshot
from mcpship.interface import FieldChange, InterfaceLock, ItemChange


def lock(*, instructions: str | None = "Be brief.", **items: list[dict[str, Any]]) -> InterfaceLock:
    return lock_from_snapshot(
        ServerSnapshot(
            target="demo",
            protocol_version="2026-07-28",
            server_info={"name": "demo", "version": "1.0.0"},
            capabilities={},
            instructions=instructions,
            **items,
        )
    )


def tool(**fields: Any) -> dict[str, Any]:
    return {"name": "search", "inputSchema": {"type": "object"}, **fields}


def test_the_same_interface_gives_no_changes() -> None:
    assert diff_locks(lock(tools=[tool()]), lock(tools=[tool()])) == []


def test_changed_instructions_are_one_server_change_with_both_texts() -> None:
    changes = diff_locks(lock(instructions="Be brief."), lock(instructions="Be thorough."))
    assert changes == [
        ItemChange("server", "instructions", "changed", [FieldChange("instructions", "Be brief.", "Be thorough.")])
    ]
    assert changes[0].label == "server instructions"


def test_instructions_that_appear_or_go_away_are_a_change_from_or_to_none() -> None:
    assert diff_locks(lock(instructions=None), lock(instructions="New.")) == [
        ItemChange("server", "instructions", "changed", [FieldChange("instructions", None, "New.")])
    ]
    assert diff_locks(lock(instructions="Old."), lock(instructions=None))[0].fields == [
        FieldChange("instructions", "Old.", None)
    ]


def test_a_key_added_inside_a_tool_definition_is_a_change_naming_the_key() -> None:
    annotations = {"readOnlyHint": True}
    changes = diff_locks(lock(tools=[tool()]), lock(tools=[tool(annotations=annotations)]))
    assert changes == [ItemChange("tools", "search", "changed", [FieldChange("annotations", None, annotations)])]


def test_a_key_removed_from_a_tool_definition_is_a_change_naming_the_key() -> None:
    changes = diff_locks(lock(tools=[tool(title="Search")]), lock(tools=[tool()]))
    assert changes == [ItemChange("tools", "search", "changed", [FieldChange("title", "Search", None)])]


def test_keys_added_and_removed_deep_in_a_schema_are_named_by_their_full_path() -> None:
    old = tool(inputSchema={"type": "object", "properties": {"q": {"type": "string", "maxLength": 100}}})
    new = tool(inputSchema={"type": "object", "properties": {"q": {"type": "string", "minLength": 1}}})
    assert diff_locks(lock(tools=[old]), lock(tools=[new]))[0].fields == [
        FieldChange("inputSchema.properties.q.maxLength", 100, None),
        FieldChange("inputSchema.properties.q.minLength", None, 1),
    ]


def test_a_key_added_or_removed_with_a_null_value_is_still_a_change() -> None:
    assert diff_locks(lock(tools=[tool()]), lock(tools=[tool(title=None)]))[0].fields == [
        FieldChange("title", None, None)
    ]
    assert diff_locks(lock(tools=[tool(title=None)]), lock(tools=[tool()]))[0].fields == [
        FieldChange("title", None, None)
    ]


@pytest.mark.parametrize(("old", "new"), [({"type": "object"}, "object"), ("object", {"type": "object"})])
def test_a_field_that_changes_between_object_and_another_type_is_one_change_with_both_values(
    old: object, new: object
) -> None:
    changes = diff_locks(lock(tools=[tool(inputSchema=old)]), lock(tools=[tool(inputSchema=new)]))
    assert changes[0].fields == [FieldChange("inputSchema", old, new)]


def test_a_changed_list_is_one_change_of_the_whole_list() -> None:
    old = tool(inputSchema={"type": "object", "required": ["a"]})
    new = tool(inputSchema={"type": "object", "required": ["a", "b"]})
    assert diff_locks(lock(tools=[old]), lock(tools=[new]))[0].fields == [
        FieldChange("inputSchema.required", ["a"], ["a", "b"])
    ]


def test_items_of_every_kind_are_compared_and_reported_removed_then_added_then_changed_in_key_order() -> None:
    before = lock(
        tools=[tool(name="b"), tool(name="a"), tool(name="keep", description="1"), tool(name="also", description="1")],
        prompts=[{"name": "old_prompt"}],
        resources=[{"uri": "demo://r", "name": "r"}],
        resource_templates=[{"uriTemplate": "demo://t/{id}", "name": "t"}],
    )
    after = lock(
        tools=[tool(name="d"), tool(name="c"), tool(name="keep", description="2"), tool(name="also", description="2")],
        prompts=[{"name": "new_prompt"}],
        resources=[{"uri": "demo://r", "name": "r2"}],
        resource_templates=[{"uriTemplate": "demo://t/{id}", "name": "t", "title": "T"}],
    )
    summary = [(change.kind, change.key, change.change) for change in diff_locks(before, after)]
    assert summary == [
        ("tools", "a", "removed"),
        ("tools", "b", "removed"),
        ("tools", "c", "added"),
        ("tools", "d", "added"),
        ("tools", "also", "changed"),
        ("tools", "keep", "changed"),
        ("prompts", "old_prompt", "removed"),
        ("prompts", "new_prompt", "added"),
        ("resources", "demo://r", "changed"),
        ("resourceTemplates", "demo://t/{id}", "changed"),
    ]


def test_added_and_removed_items_carry_no_field_changes() -> None:
    changes = diff_locks(lock(tools=[tool(name="a")]), lock(tools=[tool(name="b")]))
    assert changes == [ItemChange("tools", "a", "removed"), ItemChange("tools", "b", "added")]
    assert all(change.fields == [] for change in changes)


@pytest.mark.parametrize(
    ("kind", "label"),
    [
        ("tools", "tool x"),
        ("prompts", "prompt x"),
        ("resources", "resource x"),
        ("resourceTemplates", "resource template x"),
        ("server", "server x"),
    ],
)
def test_a_change_is_labelled_with_its_kind_in_the_singular(kind: str, label: str) -> None:
    assert ItemChange(kind, "x", "added").label == label
