from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from mcpship import LockError, ServerSnapshot, diff_locks, lock_from_snapshot, read_lock
from mcpship.interface import write_lock
from mcpship.interface.render import describe_changes


def snapshot(**changes: Any) -> ServerSnapshot:
    base: dict[str, Any] = {
        "target": "demo",
        "protocol_version": "2026-07-28",
        "server_info": {"name": "demo", "version": "1.0.0"},
        "capabilities": {"tools": {}},
        "instructions": "Be brief.",
        "tools": [
            {
                "name": "b_tool",
                "description": "B.",
                "inputSchema": {"type": "object", "properties": {"x": {"type": "integer"}}},
            },
            {"name": "a_tool", "description": "A.", "inputSchema": {"type": "object"}},
        ],
        "prompts": [{"name": "p", "description": "P."}],
        "resources": [{"uri": "demo://r", "name": "r"}],
        "resource_templates": [{"uriTemplate": "demo://t/{id}", "name": "t"}],
    }
    base.update(changes)
    return ServerSnapshot(**base)


def test_items_are_sorted_and_each_has_a_sha256_digest() -> None:
    lock = lock_from_snapshot(snapshot())
    assert [entry["key"] for entry in lock.data["tools"]] == ["a_tool", "b_tool"]
    assert all(entry["digest"].startswith("sha256:") and len(entry["digest"]) == 71 for entry in lock.data["tools"])
    assert lock.digest.startswith("sha256:")


def test_the_same_interface_in_another_order_gives_identical_bytes() -> None:
    first = lock_from_snapshot(snapshot())
    shuffled = snapshot(tools=list(reversed(snapshot().tools)))
    assert lock_from_snapshot(shuffled).text() == first.text()


def test_a_server_version_bump_does_not_change_the_interface_digest() -> None:
    bumped = snapshot(server_info={"name": "demo", "version": "2.0.0"}, protocol_version="2025-11-25")
    assert lock_from_snapshot(bumped).digest == lock_from_snapshot(snapshot()).digest


def test_a_changed_description_changes_only_that_tools_digest() -> None:
    tools = copy.deepcopy(snapshot().tools)
    tools[0]["description"] = "B, but better."
    old, new = lock_from_snapshot(snapshot()), lock_from_snapshot(snapshot(tools=tools))
    assert old.digest != new.digest
    digests = {e["key"]: e["digest"] for e in old.data["tools"]}, {e["key"]: e["digest"] for e in new.data["tools"]}
    assert digests[0]["a_tool"] == digests[1]["a_tool"]
    assert digests[0]["b_tool"] != digests[1]["b_tool"]


def test_diff_names_added_removed_and_changed_items_with_field_paths() -> None:
    tools = copy.deepcopy(snapshot().tools)
    tools[0]["inputSchema"]["properties"]["x"]["type"] = "string"
    tools.pop(1)
    tools.append({"name": "c_tool", "inputSchema": {"type": "object"}})
    changes = diff_locks(lock_from_snapshot(snapshot()), lock_from_snapshot(snapshot(tools=tools, instructions=None)))
    summary = [(c.kind, c.key, c.change) for c in changes]
    assert summary == [
        ("server", "instructions", "changed"),
        ("tools", "a_tool", "removed"),
        ("tools", "c_tool", "added"),
        ("tools", "b_tool", "changed"),
    ]
    assert changes[-1].fields[0].path == "inputSchema.properties.x.type"
    text = describe_changes(changes)
    assert "~ tool b_tool changed" in text
    assert '- "integer"' in text
    assert '+ "string"' in text


def test_write_and_read_round_trip(tmp_path: Path) -> None:
    lock = lock_from_snapshot(snapshot())
    path = tmp_path / "mcp-interface.json"
    write_lock(lock, path)
    assert read_lock(path).data == lock.data
    assert path.read_text(encoding="utf-8").endswith("}\n")


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "no interface lock yet"), ("{nope", "not valid JSON"), (json.dumps({"a": 1}), "not an mcpship interface")],
)
def test_unreadable_locks_are_explained(tmp_path: Path, content: str | None, message: str) -> None:
    path = tmp_path / "mcp-interface.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(LockError, match=message) as caught:
        read_lock(path)
    assert caught.value.hint is not None
