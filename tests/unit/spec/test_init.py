from __future__ import annotations

from pathlib import Path

import pytest

from mcpship import SpecError, init_project, load_spec

PYPROJECT = """
[project]
name = "demo-server"
version = "0.3.0"
description = "A demo server."

[project.urls]
Repository = "https://github.com/acme/demo-server"

[project.scripts]
demo-mcp = "demo:main"
"""


def test_writes_a_spec_that_loads_and_names_the_server_after_the_repository(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    outcome = init_project(tmp_path, probe=False)
    assert outcome.path == tmp_path.resolve() / "mcpship.toml"
    spec = load_spec(tmp_path).spec
    assert spec.name == "io.github.acme/demo-server"
    assert (spec.run.runtime, spec.run.command, spec.version) == ("python", "demo-mcp", "0.3.0")
    assert sorted(spec.targets) == ["mcpb", "pypi", "server-json"]  # init writes registry or server-json: one target


def test_never_overwrites_an_existing_spec_without_force(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    (tmp_path / "mcpship.toml").write_text("# mine\n", encoding="utf-8")
    with pytest.raises(SpecError, match="already exists"):
        init_project(tmp_path, probe=False)
    assert (tmp_path / "mcpship.toml").read_text(encoding="utf-8") == "# mine\n"
    init_project(tmp_path, probe=False, force=True)
    assert "demo-mcp" in (tmp_path / "mcpship.toml").read_text(encoding="utf-8")


def test_refuses_when_pyproject_already_has_a_tool_mcpship_table(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT + '\n[tool.mcpship]\nname = "io.github.a/b"\n', encoding="utf-8")
    with pytest.raises(SpecError, match=r"already has a \[tool.mcpship\] table"):
        init_project(tmp_path, probe=False)


def test_explains_a_project_without_an_entry_point(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\nversion = "1"\n', encoding="utf-8")
    with pytest.raises(SpecError, match="no console script"):
        init_project(tmp_path, probe=False)
