"""``mcpship diff OLD NEW`` through the installed script: lock files, a live project folder, and ``git:REF``."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import assert_clean_error, json_result, run_mcpship


def _edited_lock(source: Path, target: Path, edit: Any) -> Path:
    data = json.loads(source.read_text(encoding="utf-8"))
    edit({entry["key"]: entry["definition"] for entry in data["tools"]})
    target.write_text(json.dumps(data), encoding="utf-8")
    return target


def _require_limit(tools: dict[str, Any]) -> None:
    tools["search_notes"]["inputSchema"]["required"].append("limit")


def test_two_lock_files_give_a_table_of_rules_and_the_bump_and_exit_0(notes_py: Path, tmp_path: Path) -> None:
    old = notes_py / "mcp-interface.json"
    new = _edited_lock(old, tmp_path / "new.json", _require_limit)
    result = run_mcpship("diff", str(old), str(new))
    assert result.returncode == 0, result.stderr
    assert "input.property.became-required" in result.stdout
    assert "tool search_notes" in result.stdout
    assert "inputSchema.required" in result.stdout
    assert 'property "limit" became required' in result.stdout
    assert result.stdout.rstrip().endswith("requires a major bump")


def test_fail_on_exits_13_when_a_change_reaches_the_level_and_0_below_it(notes_py: Path, tmp_path: Path) -> None:
    old = notes_py / "mcp-interface.json"
    retitled = _edited_lock(old, tmp_path / "retitled.json", lambda tools: tools["add_note"].update(title="Add"))
    assert run_mcpship("diff", str(old), str(retitled), "--fail-on", "minor").returncode == 0
    result = run_mcpship("diff", str(old), str(retitled), "--fail-on", "patch")
    assert_clean_error(result, 15)
    assert "1 interface change at or above --fail-on patch (requires a patch bump)" in result.stderr
    assert "tool.title.changed" in result.stdout  # the table is shown before the failure


def test_severity_override_lowers_a_rule_below_fail_on(notes_py: Path, tmp_path: Path) -> None:
    old = notes_py / "mcp-interface.json"
    new = _edited_lock(old, tmp_path / "new.json", _require_limit)
    lowered = "--severity=input.property.became-required=minor"
    result = run_mcpship("diff", str(old), str(new), "--fail-on", "major", lowered, "--json")
    assert result.returncode == 0, result.stderr
    payload = json_result(result.stdout)
    assert payload["bump"] == "minor"
    assert [(c["rule"], c["severity"]) for c in payload["changes"]] == [("input.property.became-required", "minor")]


def test_json_lists_every_change_with_rule_severity_path_and_values(notes_py: Path, tmp_path: Path) -> None:
    old = notes_py / "mcp-interface.json"
    data = json.loads(old.read_text(encoding="utf-8"))
    data["tools"] = [entry for entry in data["tools"] if entry["key"] != "delete_note"]
    new = tmp_path / "new.json"
    new.write_text(json.dumps(data), encoding="utf-8")
    payload = json_result(run_mcpship("diff", str(old), str(new), "--json").stdout)
    assert payload["bump"] == "major"
    assert payload["old"] == str(old)
    (change,) = payload["changes"]
    assert change["rule"] == "tool.removed"
    assert change["key"] == "delete_note"
    assert change["old"]["name"] == "delete_note"
    assert change["new"] is None


def test_a_needs_review_change_is_marked_and_server_text_is_escaped(notes_py: Path, tmp_path: Path) -> None:
    def edit(tools: dict[str, Any]) -> None:
        tools["search_notes"]["inputSchema"]["properties"]["query"]["pattern"] = "\x1b]0;owned\x07^a"

    def before(tools: dict[str, Any]) -> None:
        tools["search_notes"]["inputSchema"]["properties"]["query"]["pattern"] = "^b"

    old = _edited_lock(notes_py / "mcp-interface.json", tmp_path / "old.json", before)
    new = _edited_lock(old, tmp_path / "new.json", edit)
    result = run_mcpship("diff", str(old), str(new))
    assert "\x1b" not in result.stdout
    assert "\\u001b]0;owned" in result.stdout  # quoted as JSON in the message
    assert "major · needs review" in result.stdout
    assert "input.pattern.changed" in result.stdout
    assert result.stdout.rstrip().endswith("requires a major bump; 1 change needs review")


def test_unchanged_sides_say_so(notes_py: Path) -> None:
    lock = str(notes_py / "mcp-interface.json")
    result = run_mcpship("diff", lock, lock, "--fail-on", "patch")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "no interface change"


@pytest.fixture
def notes_copy(tmp_path: Path, notes_py: Path) -> Path:
    copy = tmp_path / "notes-py"
    shutil.copytree(notes_py, copy, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", ".venv"))
    return copy


def test_a_lock_against_the_live_folder_with_a_parameter_added(notes_copy: Path) -> None:
    server = notes_copy / "src" / "notes_mcp" / "server.py"
    source = server.read_text(encoding="utf-8")
    edited = source.replace(
        '    tags: Annotated[list[str] | None, Field(description="Optional tags.")] = None,\n',
        '    tags: Annotated[list[str] | None, Field(description="Optional tags.")] = None,\n'
        "    pinned: bool = False,\n",
    )
    assert edited != source
    server.write_text(edited, encoding="utf-8")
    lock_before = (notes_copy / "mcp-interface.json").read_bytes()

    result = run_mcpship("diff", str(notes_copy / "mcp-interface.json"), str(notes_copy), "--json")
    payload = json_result(result.stdout)
    assert [(c["rule"], c["key"], c["path"]) for c in payload["changes"]] == [
        ("input.property.optional-added", "add_note", "inputSchema.properties.pinned")
    ]
    assert payload["bump"] == "minor"
    assert (notes_copy / "mcp-interface.json").read_bytes() == lock_before  # diff writes no lock


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=repo, check=True, capture_output=True, timeout=60,
    )  # fmt: skip


def test_git_ref_reads_the_lock_committed_at_that_ref(notes_py: Path, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    project = repo / "servers" / "notes"
    project.mkdir(parents=True)
    shutil.copy(notes_py / "mcp-interface.json", project / "mcp-interface.json")
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "v1")
    _git(repo, "tag", "v1.0.0")
    _edited_lock(project / "mcp-interface.json", project / "mcp-interface.json", _require_limit)

    from_project = run_mcpship("diff", "git:v1.0.0", "mcp-interface.json", "--json", cwd=project)
    payload = json_result(from_project.stdout)
    assert payload["old"] == "git show v1.0.0:servers/notes/mcp-interface.json"
    assert [c["rule"] for c in payload["changes"]] == ["input.property.became-required"]

    from_root = run_mcpship("diff", "git:v1.0.0:servers/notes", "git:HEAD:servers/notes", cwd=repo)
    assert from_root.returncode == 0, from_root.stderr
    assert from_root.stdout.strip() == "no interface change"  # the edit is not committed


def test_git_ref_without_a_lock_fails_with_the_fix(tmp_path: Path) -> None:
    _git(tmp_path, "init", "-q")
    (tmp_path / "README.md").write_text("x", encoding="utf-8")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-qm", "first")
    result = run_mcpship("diff", "git:HEAD", "git:HEAD", cwd=tmp_path)
    assert_clean_error(result, 6)
    assert "HEAD has no mcp-interface.json" in result.stderr
    assert "mcpship lock" in result.stderr
    unknown = run_mcpship("diff", "git:v9.9.9", "git:HEAD", cwd=tmp_path)
    assert_clean_error(unknown, 2)
    assert "'v9.9.9' is not a commit, branch or tag" in unknown.stderr


def test_fail_on_with_json_keeps_the_result_and_names_the_error(notes_py: Path, tmp_path: Path) -> None:
    old = notes_py / "mcp-interface.json"
    new = _edited_lock(old, tmp_path / "new.json", _require_limit)
    result = run_mcpship("diff", str(old), str(new), "--fail-on", "major", "--json")
    assert result.returncode == 15, result.stderr
    envelope = json.loads(result.stdout)
    assert envelope["ok"] is False
    assert envelope["result"]["bump"] == "major"
    assert [(p["kind"], p["exitCode"]) for p in envelope["problems"]] == [("InterfaceChangeError", 15)]


def test_a_side_of_no_known_form_is_a_usage_error(notes_py: Path) -> None:
    result = run_mcpship("diff", "no-such-thing", str(notes_py / "mcp-interface.json"))
    assert_clean_error(result, 2)
    assert "not a side mcpship diff can read" in result.stderr
