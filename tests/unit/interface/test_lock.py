from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from mcpship import LockError, ServerSnapshot, diff_locks, lock_from_snapshot, read_lock
from mcpship.interface import LOCK_FILE, InterfaceLock, write_lock
from mcpship.interface.canonical import digest
from mcpship.interface.lock import parse_lock
from mcpship.interface.render import describe_changes

KINDS_IN_ORDER = ["tools", "prompts", "resources", "resourceTemplates"]


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


def test_the_lock_digest_covers_the_instructions_and_every_items_digest_by_kind() -> None:
    lock = lock_from_snapshot(snapshot())
    covered = {
        "instructions": "Be brief.",
        **{kind: [entry["digest"] for entry in lock.data[kind]] for kind in KINDS_IN_ORDER},
    }
    assert lock.digest == digest(covered)


def test_the_published_digest_of_an_interface_never_changes_between_releases() -> None:
    # Registries and users compare this value: a change to how it is computed is a breaking change.
    assert lock_from_snapshot(snapshot()).digest == (
        "sha256:bdd871d48bbe52a6ef044c966a7cebf6d1d93f1c1c53ae0209140d57fd9957dd"
    )


def test_changing_only_the_instructions_changes_the_lock_digest() -> None:
    before, after = lock_from_snapshot(snapshot()), lock_from_snapshot(snapshot(instructions="Be thorough."))
    assert after.digest != before.digest
    assert lock_from_snapshot(snapshot(instructions=None)).digest != before.digest
    assert [e["digest"] for e in after.data["tools"]] == [e["digest"] for e in before.data["tools"]]


def test_the_lock_records_the_servers_name_title_version_and_protocol_and_nothing_else() -> None:
    info = {"name": "demo", "title": "Demo", "version": "1.0.0", "websiteUrl": "https://demo.example/"}
    lock = lock_from_snapshot(snapshot(server_info=info, protocol_version="2025-11-25"))
    assert lock.data["server"] == {"name": "demo", "title": "Demo", "version": "1.0.0"}
    assert lock.data["protocolVersion"] == "2025-11-25"
    assert lock.data["instructions"] == "Be brief."
    assert lock.data["lockVersion"] == 1
    assert sorted(lock.data) == [
        "digest",
        "instructions",
        "lockVersion",
        "prompts",
        "protocolVersion",
        "resourceTemplates",
        "resources",
        "server",
        "tools",
    ]
    assert lock_from_snapshot(snapshot(server_info={"name": "demo"})).data["server"] == {"name": "demo"}


def test_items_are_keyed_by_name_uri_and_uri_template() -> None:
    lock = lock_from_snapshot(snapshot())
    assert list(lock.items("tools")) == ["a_tool", "b_tool"]
    assert lock.items("prompts") == {"p": {"name": "p", "description": "P."}}
    assert lock.items("resources") == {"demo://r": {"uri": "demo://r", "name": "r"}}
    assert lock.items("resourceTemplates") == {"demo://t/{id}": {"uriTemplate": "demo://t/{id}", "name": "t"}}


def test_an_item_without_its_key_field_is_locked_under_an_empty_key() -> None:
    lock = lock_from_snapshot(snapshot(tools=[{"description": "nameless"}]))
    assert [entry["key"] for entry in lock.data["tools"]] == [""]
    assert lock.items("tools") == {"": {"description": "nameless"}}


def test_the_lock_file_is_named_mcp_interface_json() -> None:
    assert LOCK_FILE == "mcp-interface.json"


def test_instructions_that_are_not_text_read_as_none() -> None:
    assert InterfaceLock({"instructions": 3}).instructions is None
    assert InterfaceLock({}).instructions is None
    assert InterfaceLock({"instructions": "Hi."}).instructions == "Hi."


def test_a_lock_without_some_kinds_is_read_as_having_none_of_them(tmp_path: Path) -> None:
    path = tmp_path / "mcp-interface.json"
    path.write_text(json.dumps({"lockVersion": 1, "digest": "sha256:x", "tools": []}), encoding="utf-8")
    lock = read_lock(path)
    assert lock.items("prompts") == {}
    assert lock.items("resourceTemplates") == {}
    assert diff_locks(lock, lock) == []


def test_a_missing_lock_says_to_create_it(tmp_path: Path) -> None:
    path = tmp_path / "mcp-interface.json"
    with pytest.raises(LockError) as caught:
        read_lock(path)
    assert caught.value.message == f"{path}: no interface lock yet"
    assert caught.value.hint == "run `mcpship lock` to create it"


def test_a_lock_that_is_not_json_says_to_restore_or_rewrite_it(tmp_path: Path) -> None:
    path = tmp_path / "mcp-interface.json"
    path.write_text("{nope", encoding="utf-8")
    with pytest.raises(LockError) as caught:
        read_lock(path)
    assert caught.value.message.startswith(f"{path}")
    assert "not valid JSON" in caught.value.message
    assert caught.value.hint == "restore it from version control, or run `mcpship lock` to write it again"


@pytest.mark.parametrize(
    "document",
    [
        [],
        "a lock",
        {"lockVersion": 2, "digest": "sha256:x"},
        {"lockVersion": "1", "digest": "sha256:x"},
        {"digest": "sha256:x"},
        {"lockVersion": 1},
    ],
    ids=["a list", "a string", "lock version 2", "lock version as text", "no lock version", "no digest"],
)
def test_a_document_that_is_not_a_version_1_lock_with_a_digest_is_refused(tmp_path: Path, document: Any) -> None:
    path = tmp_path / "mcp-interface.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(LockError) as caught:
        read_lock(path)
    assert caught.value.message == f"{path}: not an mcpship interface lock (lockVersion 1 expected)"
    assert caught.value.hint == "run `mcpship lock` to write it again"


def test_read_lock_refuses_a_lock_without_a_digest(tmp_path: Path) -> None:
    data = lock_from_snapshot(snapshot()).data
    path = tmp_path / "mcp-interface.json"
    path.write_text(json.dumps({key: value for key, value in data.items() if key != "digest"}), encoding="utf-8")
    with pytest.raises(LockError, match="not an mcpship interface lock"):
        read_lock(path)


GOOD_ENTRY = {"key": "a", "digest": "sha256:x", "definition": {"name": "a"}}


@pytest.mark.parametrize("kind", KINDS_IN_ORDER)
@pytest.mark.parametrize(
    "entries",
    [
        {"a": GOOD_ENTRY},
        [GOOD_ENTRY, "a"],
        [{key: value for key, value in GOOD_ENTRY.items() if key != "key"}],
        [{key: value for key, value in GOOD_ENTRY.items() if key != "digest"}],
        [{key: value for key, value in GOOD_ENTRY.items() if key != "definition"}],
        [{**GOOD_ENTRY, "key": 1}],
        [{**GOOD_ENTRY, "digest": None}],
        [{**GOOD_ENTRY, "definition": ["a"]}],
    ],
    ids=[
        "an object",
        "a string entry",
        "no key",
        "no digest",
        "no definition",
        "a number key",
        "a null digest",
        "a list definition",
    ],
)
def test_a_kind_that_is_not_a_list_of_whole_entries_is_refused(tmp_path: Path, kind: str, entries: Any) -> None:
    path = tmp_path / "mcp-interface.json"
    path.write_text(json.dumps({"lockVersion": 1, "digest": "sha256:x", kind: entries}), encoding="utf-8")
    with pytest.raises(LockError) as caught:
        read_lock(path)
    assert caught.value.message == f'{path}: "{kind}" must be a list of {{"key", "digest", "definition"}} entries'
    assert caught.value.hint == "restore it from version control, or run `mcpship lock` to write it again"


def test_parse_lock_reads_the_bytes_of_a_lock_written_elsewhere() -> None:
    lock = lock_from_snapshot(snapshot())
    assert parse_lock(lock.text().encode("utf-8"), "git show v1:mcp-interface.json").data == lock.data


def test_parse_lock_names_its_source_when_the_bytes_are_not_json() -> None:
    with pytest.raises(LockError) as caught:
        parse_lock(b"{nope", "git show v1:mcp-interface.json")
    assert caught.value.message.startswith("git show v1:mcp-interface.json: not valid JSON")
    assert caught.value.hint == "restore it from version control, or run `mcpship lock` to write it again"


def test_parse_lock_names_its_source_when_the_json_is_not_a_lock() -> None:
    with pytest.raises(LockError) as caught:
        parse_lock(b'{"lockVersion": 1, "digest": "x", "tools": {}}', "git show v1:a/mcp-interface.json")
    assert caught.value.message == (
        'git show v1:a/mcp-interface.json: "tools" must be a list of {"key", "digest", "definition"} entries'
    )
