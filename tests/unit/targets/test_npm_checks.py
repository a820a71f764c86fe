from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mcpship.targets.npm import check_package

NAME = "io.github.acme/demo"
GOOD: dict[str, Any] = {
    "name": "demo-mcp",
    "version": "1.0.0",
    "type": "module",
    "bin": {"demo-mcp": "bin/demo.js"},
    "files": ["bin", "src"],
    "engines": {"node": ">=18"},
    "mcpName": NAME,
}


def project(tmp_path: Path, package: dict[str, Any], script: str = "#!/usr/bin/env node\nimport './x.js';\n") -> Path:
    (tmp_path / "bin").mkdir(exist_ok=True)
    (tmp_path / "bin" / "demo.js").write_text(script, encoding="utf-8")
    (tmp_path / "package.json").write_text(json.dumps(package), encoding="utf-8")
    return tmp_path


def test_a_complete_package_has_no_problems(tmp_path: Path) -> None:
    assert check_package(project(tmp_path, GOOD), NAME, "demo-mcp", fix=False) == []


@pytest.mark.parametrize(
    ("change", "script", "path", "hint_part"),
    [
        ({"bin": {"other": "bin/demo.js"}}, None, "$.bin", '"demo-mcp": "bin/demo-mcp.js"'),
        ({}, "import './x.js';\n", "line 1", "#!/usr/bin/env node"),
        ({"files": ["src"]}, None, "$.files", '"bin"'),
        ({"type": None}, None, "$.type", '"type": "module"'),
        ({"engines": None}, None, "$.engines.node", ">=18"),
        ({"mcpName": "io.github.other/x"}, None, "$.mcpName", f'"mcpName": "{NAME}"'),
    ],
)
def test_each_problem_names_its_place_and_fix(
    tmp_path: Path, change: dict[str, Any], script: str | None, path: str, hint_part: str
) -> None:
    package = {k: v for k, v in {**GOOD, **change}.items() if v is not None}
    root = project(tmp_path, package, script) if script is not None else project(tmp_path, package)
    (problem,) = check_package(root, NAME, "demo-mcp", fix=False)
    assert problem.path == path
    assert hint_part in (problem.hint or "")


def test_fix_sets_mcp_name_and_keeps_everything_else(tmp_path: Path) -> None:
    package = {**GOOD, "mcpName": None, "custom": {"kept": True}}
    root = project(tmp_path, {k: v for k, v in package.items() if v is not None})
    assert check_package(root, NAME, "demo-mcp", fix=True) == []
    written = json.loads((root / "package.json").read_text(encoding="utf-8"))
    assert written["mcpName"] == NAME
    assert written["custom"] == {"kept": True}
