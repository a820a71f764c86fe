"""Every verb through the installed script and ``python -m mcpship``."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer.main

from mcpship import __version__
from mcpship.cli import app
from tests.conftest import json_result, run_mcpship


def _verbs() -> list[tuple[str, ...]]:
    """Every command of the CLI as it is registered (``registry serve`` as two words), hidden ones left out."""

    def walk(command: Any, path: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
        children = getattr(command, "commands", None)
        if not children:
            yield path
            return
        for name, child in children.items():
            if not getattr(child, "hidden", False):
                yield from walk(child, (*path, name))

    return list(walk(typer.main.get_command(app), ()))


VERBS = _verbs()


def test_version_and_help() -> None:
    assert run_mcpship("--version").stdout.strip() == f"mcpship {__version__}"
    result = run_mcpship("--help")
    assert result.returncode == 0
    for verb in {path[0] for path in VERBS}:
        assert verb in result.stdout


def test_the_cli_has_the_verbs_the_docs_promise() -> None:
    assert len(VERBS) >= 14
    assert {("build",), ("publish",), ("registry", "serve"), ("registry", "mirror"), ("logout",)} <= set(VERBS)


@pytest.mark.parametrize("verb", VERBS, ids=" ".join)
def test_every_verb_has_help_with_an_example(verb: tuple[str, ...]) -> None:
    result = run_mcpship(*verb, "--help")
    assert result.returncode == 0, result.stderr
    assert "Examples:" in result.stdout
    assert f"mcpship {' '.join(verb)}" in result.stdout


def test_python_dash_m_runs_the_same_cli() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "mcpship", "--version"], capture_output=True, text=True, timeout=60, check=False
    )
    assert completed.returncode == 0
    assert completed.stdout.strip() == f"mcpship {__version__}"


def test_spec_json_shows_derived_values(notes_node: Path) -> None:
    result = run_mcpship("spec", "--json", str(notes_node))
    assert result.returncode == 0, result.stderr
    data = json_result(result.stdout)
    assert data["name"] == "io.github.mcpship/notes-node"
    assert data["version"] == json.loads((notes_node / "package.json").read_text())["version"]


def test_spec_table_names_where_values_came_from(notes_py: Path) -> None:
    result = run_mcpship("spec", str(notes_py))
    assert result.returncode == 0, result.stderr
    assert "io.github.mcpship/notes-py" in result.stdout
    assert "pyproject.toml" in result.stdout


def test_init_writes_a_spec_after_a_live_probe(tmp_path: Path, notes_py: Path) -> None:
    project = tmp_path / "fresh"
    project.mkdir()
    for name in ("pyproject.toml", "README.md"):
        (project / name).write_bytes((notes_py / name).read_bytes())
    (project / "src").symlink_to(notes_py / "src", target_is_directory=True)
    result = run_mcpship("init", str(project))
    assert result.returncode == 0, result.stderr
    assert "listed 3 tools" in result.stdout
    text = (project / "mcpship.toml").read_text(encoding="utf-8")
    assert 'name = "io.github.mcpship/notes-py"' in text  # from the README's mcp-name marker
    assert 'title = "Notes"' in text  # from the live server
    again = run_mcpship("init", str(project))
    assert again.returncode == 3
    assert "already exists" in again.stderr


def test_lock_rejects_arguments_after_double_dash(notes_py: Path) -> None:
    result = run_mcpship("lock", str(notes_py), "--", "x")
    assert result.returncode == 2
    assert "takes no arguments after --" in result.stderr


def test_hints_name_only_commands_that_exist() -> None:
    # a hint that sends the user to `mcpship bump` (not a command yet) is a dead end
    source = Path(__file__).resolve().parents[2] / "src" / "mcpship"
    named = {
        (match[1], path.relative_to(source).as_posix())
        for path in source.rglob("*.py")
        for match in re.finditer(r"(?:`|\(|\brun )mcpship ([a-z][a-z-]*)", path.read_text(encoding="utf-8"))
    }
    verbs = {path[0] for path in VERBS}
    assert len(named) > 20
    assert sorted((verb, where) for verb, where in named if verb not in verbs) == []
