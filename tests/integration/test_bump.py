"""``mcpship bump`` and ``mcpship check`` through the installed script, on copies of both examples and of a hatch
dynamic-version project: every file holding the version is updated, every other byte kept."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import assert_clean_error, json_result, run_mcpship


@pytest.fixture
def node_copy(tmp_path: Path, notes_node: Path) -> Path:
    root = tmp_path / "notes-node"
    shutil.copytree(notes_node, root, ignore=shutil.ignore_patterns("node_modules"))
    (root / "node_modules").symlink_to(notes_node / "node_modules", target_is_directory=True)
    return root


@pytest.fixture
def py_copy(tmp_path: Path, notes_py: Path) -> Path:
    root = tmp_path / "notes-py"
    shutil.copytree(notes_py, root, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "dist"))
    return root


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and "node_modules" not in path.parts
    }


def changed_files(before: dict[str, bytes], after: dict[str, bytes], old: str, new: str) -> list[str]:
    """The files that differ; each must differ only by the version."""
    changed = [name for name in before if before[name] != after[name]]
    for name in changed:
        assert after[name] == before[name].replace(f'"{old}"'.encode(), f'"{new}"'.encode()), name
    return changed


def test_bump_on_the_python_example_updates_pyproject_and_the_packages_version(py_copy: Path) -> None:
    before = snapshot(py_copy)

    result = run_mcpship("bump", "minor", "--pre", "rc", str(py_copy))

    assert result.returncode == 0, result.stderr
    assert "0.1.0 -> 0.2.0-rc.1" in result.stdout
    assert "src/notes_mcp/__init__.py" in result.stdout
    changed = changed_files(before, snapshot(py_copy), "0.1.0", "0.2.0rc1")
    assert sorted(changed) == ["pyproject.toml", "src/notes_mcp/__init__.py"]
    spec = json_result(run_mcpship("spec", str(py_copy), "--json").stdout)
    assert spec["version"] == "0.2.0rc1"

    again = json_result(run_mcpship("bump", "minor", "--pre", "rc", str(py_copy), "--json").stdout)
    assert (again["current"], again["new"], again["written"]) == ("0.2.0-rc.1", "0.2.0-rc.2", True)
    final = json_result(run_mcpship("bump", "minor", str(py_copy), "--json").stdout)
    assert [place["new"] for place in final["places"]] == ["0.2.0", "0.2.0"]


def test_bump_on_the_node_example_updates_package_json_and_both_lock_fields_then_check_passes(
    node_copy: Path,
) -> None:
    before = snapshot(node_copy)

    dry = run_mcpship("bump", "major", str(node_copy), "--dry-run", "--json")
    assert json_result(dry.stdout)["written"] is False
    assert snapshot(node_copy) == before
    result = run_mcpship("bump", "major", str(node_copy), "--json")

    assert result.returncode == 0, result.stderr
    places = [(place["file"], place["field"], place["new"]) for place in json_result(result.stdout)["places"]]
    assert places == [
        ("package.json", "version", "1.0.0"),
        ("package-lock.json", "version", "1.0.0"),
        ("package-lock.json", 'packages[""].version', "1.0.0"),
    ]
    assert sorted(changed_files(before, snapshot(node_copy), "0.1.0", "1.0.0")) == ["package-lock.json", "package.json"]
    check = run_mcpship("check", str(node_copy))
    assert check.returncode == 0, check.stdout + check.stderr
    assert all(gate in check.stdout for gate in ("spec", "lock", "versions", "bump")), check.stdout


def test_check_fails_naming_the_place_after_a_hand_edit_of_package_json(node_copy: Path) -> None:
    package = node_copy / "package.json"
    package.write_text(package.read_text(encoding="utf-8").replace('"0.1.0"', '"0.1.1"', 1), encoding="utf-8")

    result = run_mcpship("check", str(node_copy))

    assert_clean_error(result, 14)
    assert 'package-lock.json: version: version "0.1.0" differs from package.json version "0.1.1"' in result.stderr
    assert 'packages[""].version' in result.stderr
    assert "--from 0.1.1" in result.stderr
    as_json = run_mcpship("check", str(node_copy), "--json")
    envelope = json.loads(as_json.stdout)
    assert as_json.returncode == 14
    gates = {gate["name"]: (gate["status"], gate["exitCode"]) for gate in envelope["result"]["gates"]}
    assert gates == {
        "spec": ("passed", None),
        "lock": ("passed", None),
        "versions": ("failed", 13),
        "bump": ("skipped", None),
    }
    named = [(problem["file"], problem["path"]) for problem in envelope["problems"] if problem["file"]]
    assert named == [("package-lock.json", "version"), ("package-lock.json", 'packages[""].version')]

    refused = run_mcpship("bump", "patch", str(node_copy))
    assert_clean_error(refused, 13)
    assert run_mcpship("bump", "patch", "--from", "0.1.1", str(node_copy)).returncode == 0
    assert run_mcpship("check", str(node_copy)).returncode == 0


def test_check_reports_every_failing_gate_not_only_the_first(node_copy: Path) -> None:
    (node_copy / "mcp-interface.json").unlink()
    lock = node_copy / "package-lock.json"
    lock.write_text(lock.read_text(encoding="utf-8").replace('"0.1.0"', '"0.0.9"', 1), encoding="utf-8")

    result = run_mcpship("check", str(node_copy), "--json")

    assert result.returncode == 14, result.stderr
    gates = {gate["name"]: (gate["status"], gate["kind"]) for gate in json.loads(result.stdout)["result"]["gates"]}
    assert gates == {
        "spec": ("passed", None),
        "lock": ("failed", "LockError"),
        "versions": ("failed", "VersionError"),
        "bump": ("skipped", None),
    }


def test_bump_on_a_hatch_dynamic_version_writes_the_about_file(py_copy: Path) -> None:
    pyproject = py_copy / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8").replace('version = "0.1.0"\n', 'dynamic = ["version"]\n')
    pyproject.write_text(text + '\n[tool.hatch.version]\npath = "src/notes_mcp/__about__.py"\n', encoding="utf-8")
    about = py_copy / "src" / "notes_mcp" / "__about__.py"
    about.write_text('"""The version hatch reads."""\n\n__version__ = "0.1.0"  # bumped by mcpship\n', encoding="utf-8")
    before = snapshot(py_copy)

    result = run_mcpship("bump", "patch", str(py_copy), "--json")

    assert result.returncode == 0, result.stderr
    places = [(place["file"], place["field"]) for place in json_result(result.stdout)["places"]]
    assert places == [("src/notes_mcp/__about__.py", "__version__"), ("src/notes_mcp/__init__.py", "__version__")]
    changed = changed_files(before, snapshot(py_copy), "0.1.0", "0.1.1")
    assert sorted(changed) == ["src/notes_mcp/__about__.py", "src/notes_mcp/__init__.py"]
    assert about.read_text(encoding="utf-8").endswith('__version__ = "0.1.1"  # bumped by mcpship\n')
    spec = run_mcpship("spec", str(py_copy), "--json")  # hatchling itself reads the bumped file
    assert json_result(spec.stdout)["version"] == "0.1.1", spec.stderr
