from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from mcpship import SpecError, load_spec

PYPROJECT = """
[project]
name = "demo-server"
version = "1.2.3"
description = "A demo server."
license = "MIT"
keywords = ["demo"]

[project.urls]
Repository = "https://github.com/acme/demo"

[project.scripts]
demo-mcp = "demo:main"
"""


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_derives_everything_but_the_name_from_pyproject(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", PYPROJECT)
    write(tmp_path / "mcpship.toml", 'name = "io.github.acme/demo"\n')
    resolved = load_spec(tmp_path)
    spec = resolved.spec
    assert (spec.version, spec.description, spec.license) == ("1.2.3", "A demo server.", "MIT")
    assert spec.repository == "https://github.com/acme/demo"
    assert (spec.run.runtime, spec.run.command) == ("python", "demo-mcp")
    assert resolved.origins["version"] == "pyproject.toml"


def test_reads_the_tool_mcpship_table_when_there_is_no_mcpship_toml(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", PYPROJECT + '\n[tool.mcpship]\nname = "io.github.acme/demo"\ntitle = "Demo"\n')
    resolved = load_spec(tmp_path)
    assert resolved.spec.title == "Demo"
    assert resolved.source == tmp_path.resolve() / "pyproject.toml"


def test_reads_the_name_from_the_readme_ownership_marker(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", PYPROJECT.replace("keywords", 'readme = "README.md"\nkeywords'))
    write(tmp_path / "README.md", "# Demo\n\n<!-- mcp-name: io.github.acme/demo-server -->\n")
    assert load_spec(tmp_path).spec.name == "io.github.acme/demo-server"


def test_derives_a_node_spec_from_package_json(tmp_path: Path) -> None:
    package = {
        "name": "@acme/demo",
        "version": "2.0.0",
        "description": "Node demo.",
        "mcpName": "io.github.acme/node-demo",
        "bin": {"demo-node": "bin/demo.js"},
        "repository": {"type": "git", "url": "git+https://github.com/acme/demo.git"},
    }
    write(tmp_path / "package.json", json.dumps(package))
    spec = load_spec(tmp_path).spec
    assert (spec.name, spec.version, spec.run.runtime, spec.run.command) == (
        "io.github.acme/node-demo",
        "2.0.0",
        "node",
        "demo-node",
    )
    assert spec.repository == "https://github.com/acme/demo"


def test_unknown_key_names_file_table_and_suggests_the_right_key(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", PYPROJECT + '\n[tool.mcpship]\nname = "io.github.acme/demo"\nenviroment = []\n')
    with pytest.raises(SpecError) as caught:
        load_spec(tmp_path)
    assert 'unknown key "enviroment" in [tool.mcpship]; did you mean "env"?' in caught.value.message
    assert "pyproject.toml" in caught.value.message
    assert caught.value.hint == 'rename "enviroment" to "env"'


def test_unknown_nested_key_names_its_table(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", PYPROJECT)
    write(tmp_path / "mcpship.toml", 'name = "io.github.acme/demo"\n[run]\nruntime = "python"\ncomand = "x"\n')
    with pytest.raises(SpecError) as caught:
        load_spec(tmp_path)
    assert 'unknown key "comand" in [run]; did you mean "command"?' in caught.value.message


def test_wrong_type_names_the_key_path(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", PYPROJECT)
    write(tmp_path / "mcpship.toml", 'name = "io.github.acme/demo"\n[[env]]\nname = "TOKEN"\nrequired = "yes"\n')
    with pytest.raises(SpecError) as caught:
        load_spec(tmp_path)
    assert 'key "required" in [env[0]]' in caught.value.message
    assert caught.value.hint is not None


def test_rejects_a_name_without_namespace(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", PYPROJECT)
    write(tmp_path / "mcpship.toml", 'name = "demo"\n')
    with pytest.raises(SpecError, match="not an MCP Registry name"):
        load_spec(tmp_path)


def test_rejects_a_description_over_the_registry_limit(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", PYPROJECT)
    write(tmp_path / "mcpship.toml", f'name = "io.github.acme/demo"\ndescription = "{"x" * 101}"\n')
    with pytest.raises(SpecError, match="at most 100 characters"):
        load_spec(tmp_path)


def test_rejects_a_version_that_disagrees_with_the_package(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", PYPROJECT)
    write(tmp_path / "mcpship.toml", 'name = "io.github.acme/demo"\nversion = "9.9.9"\n')
    with pytest.raises(SpecError, match=re.escape('version "9.9.9" differs from pyproject.toml version "1.2.3"')):
        load_spec(tmp_path)


def test_rejects_a_version_range(tmp_path: Path) -> None:
    write(tmp_path / "package.json", json.dumps({"name": "x", "bin": {"x": "x.js"}}))
    write(tmp_path / "mcpship.toml", 'name = "io.github.acme/x"\ndescription = "x"\nversion = "^1.0.0"\n')
    with pytest.raises(SpecError, match="not an exact version"):
        load_spec(tmp_path)


def test_invalid_toml_reports_line_and_column(tmp_path: Path) -> None:
    write(tmp_path / "mcpship.toml", 'name = "io.github.acme/demo\n')
    with pytest.raises(SpecError, match=r"mcpship.toml: invalid TOML: .*line 1"):
        load_spec(tmp_path)


def test_several_console_scripts_need_an_explicit_command(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", PYPROJECT.replace('demo-mcp = "demo:main"', 'a = "x:a"\nb = "x:b"'))
    write(tmp_path / "mcpship.toml", 'name = "io.github.acme/demo"\n')
    with pytest.raises(SpecError) as caught:
        load_spec(tmp_path)
    assert "several commands (a, b)" in caught.value.message
    assert caught.value.hint == 'add [run] command = "a" (or another of: a, b)'


def test_unknown_target_lists_the_known_ones(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", PYPROJECT)
    write(tmp_path / "mcpship.toml", 'name = "io.github.acme/demo"\n[targets]\nwheel = {}\n')
    with pytest.raises(SpecError, match="unknown target 'wheel'; known targets: pypi, npm"):
        load_spec(tmp_path)


def test_an_empty_folder_is_explained(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as caught:
        load_spec(tmp_path)
    assert caught.value.hint is not None
    assert "mcpship init" in caught.value.hint


def test_both_examples_load(notes_py: Path) -> None:
    spec = load_spec(notes_py).spec
    assert spec.name == "io.github.mcpship/notes-py"
    assert [entry.name for entry in spec.env] == ["NOTES_TOKEN", "NOTES_DIR"]
    assert spec.env[0].required
    assert spec.env[0].secret
