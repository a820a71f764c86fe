"""``mcpship lock``: byte-identical output, and drift detection that names what changed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import assert_clean_error, run_mcpship


@pytest.fixture
def notes_copy(tmp_path: Path, notes_py: Path) -> Path:
    copy = tmp_path / "notes-py"
    shutil.copytree(notes_py, copy, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "mcp-interface.json"))
    return copy


def test_locking_twice_gives_byte_identical_files(notes_copy: Path) -> None:
    first = run_mcpship("lock", str(notes_copy))
    assert first.returncode == 0, first.stderr
    lock_path = notes_copy / "mcp-interface.json"
    before = lock_path.read_bytes()
    second = run_mcpship("lock", str(notes_copy))
    assert second.returncode == 0, second.stderr
    assert "unchanged" in second.stdout
    assert lock_path.read_bytes() == before
    data = json.loads(before)
    assert [tool["key"] for tool in data["tools"]] == ["add_note", "delete_note", "search_notes"]
    assert data["digest"].startswith("sha256:")


def test_check_passes_when_nothing_changed_and_fails_naming_an_edited_tool(notes_copy: Path) -> None:
    assert run_mcpship("lock", str(notes_copy)).returncode == 0
    assert run_mcpship("lock", "--check", str(notes_copy)).returncode == 0
    server = notes_copy / "src" / "notes_mcp" / "server.py"
    source = server.read_text(encoding="utf-8")
    edited = source.replace('"""Store a new note and return its id."""', '"""Store a note; returns the new id."""')
    assert edited != source
    server.write_text(edited, encoding="utf-8")

    result = run_mcpship("lock", "--check", str(notes_copy))
    assert_clean_error(result, 7)
    assert "~ tool add_note changed" in result.stderr
    assert "[patch] tool.description.changed: tool add_note description: description changed" in result.stderr
    assert "(1 change; requires a patch bump)" in result.stderr
    assert "description:" in result.stderr
    assert "Store a note; returns the new id." in result.stderr
    assert "search_notes" not in result.stderr  # only the edited tool is named

    accepted = run_mcpship("lock", str(notes_copy))
    assert accepted.returncode == 0, accepted.stderr
    assert "[patch] tool.description.changed: tool add_note description" in accepted.stdout
    assert accepted.stdout.rstrip().endswith("the change requires a patch bump")


def test_check_without_a_lock_says_how_to_create_one(notes_copy: Path) -> None:
    result = run_mcpship("lock", "--check", str(notes_copy))
    assert_clean_error(result, 6)
    assert "no interface lock yet" in result.stderr
