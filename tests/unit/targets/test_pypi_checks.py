from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest

from mcpship.spec import Spec
from mcpship.targets.pypi.checks import check_project
from mcpship.targets.pypi.metadata import check_distribution

SPEC = Spec.model_validate(
    {
        "name": "io.github.acme/demo",
        "description": "d",
        "version": "1.0.0",
        "run": {"runtime": "python", "command": "demo-mcp"},
    }
)
GOOD: dict[str, Any] = {
    "name": "demo",
    "version": "1.0.0",
    "requires-python": ">=3.11",
    "readme": "README.md",
    "dependencies": ["mcp>=2,<3"],
    "scripts": {"demo-mcp": "demo:main"},
}


def readme(tmp_path: Path, text: str = "# Demo\n\n<!-- mcp-name: io.github.acme/demo -->\n") -> Path:
    path = tmp_path / "README.md"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_complete_project_has_no_problems(tmp_path: Path) -> None:
    readme(tmp_path)
    assert check_project(tmp_path, GOOD, SPEC, fix=False) == []


@pytest.mark.parametrize(
    ("change", "path", "hint_part"),
    [
        ({"scripts": {}}, "[project.scripts]", 'demo-mcp = "your_package.server:main"'),
        ({"requires-python": None}, "[project].requires-python", "requires-python"),
        ({"dependencies": ["httpx"]}, "[project].dependencies", '"mcp>=2,<3"'),
        ({"readme": None}, "[project].readme", "mcp-name: io.github.acme/demo"),
    ],
)
def test_each_missing_piece_is_one_problem_with_a_fix(
    tmp_path: Path, change: dict[str, Any], path: str, hint_part: str
) -> None:
    readme(tmp_path)
    project = {key: value for key, value in {**GOOD, **change}.items() if value is not None}
    (problem,) = check_project(tmp_path, project, SPEC, fix=False)
    assert problem.path == path
    assert problem.hint is not None
    assert hint_part in problem.hint


def test_fix_adds_the_ownership_marker_after_the_title(tmp_path: Path) -> None:
    path = readme(tmp_path, "# Demo\n\nSome text.\n")
    (problem,) = check_project(tmp_path, GOOD, SPEC, fix=False)
    assert "--fix" in (problem.hint or "")
    assert check_project(tmp_path, GOOD, SPEC, fix=True) == []
    assert path.read_text(encoding="utf-8") == "# Demo\n\n<!-- mcp-name: io.github.acme/demo -->\n\nSome text.\n"


def test_fix_uses_an_rst_comment_in_rst_readmes(tmp_path: Path) -> None:
    path = tmp_path / "README.rst"
    path.write_text("Demo\n====\n", encoding="utf-8")
    assert check_project(tmp_path, {**GOOD, "readme": "README.rst"}, SPEC, fix=True) == []
    assert path.read_text(encoding="utf-8").startswith(".. mcp-name: io.github.acme/demo\n")


def test_a_marker_for_another_name_is_not_silently_replaced(tmp_path: Path) -> None:
    readme(tmp_path, "<!-- mcp-name: io.github.other/thing -->\n")
    (problem,) = check_project(tmp_path, GOOD, SPEC, fix=True)
    assert "io.github.other/thing" in problem.message


def _wheel_with_description(tmp_path: Path, description: str, content_type: str) -> Path:
    wheel = tmp_path / "demo-1.0.0-py3-none-any.whl"
    metadata = (
        f"Metadata-Version: 2.4\nName: demo\nVersion: 1.0.0\nDescription-Content-Type: {content_type}\n\n{description}"
    )
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("demo-1.0.0.dist-info/METADATA", metadata)
        archive.writestr("demo-1.0.0.dist-info/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        archive.writestr("demo-1.0.0.dist-info/RECORD", "")
    return wheel


@pytest.mark.parametrize(
    ("description", "content_type", "ok"),
    [
        ("Title\n=====\n\nFine text.\n", "text/x-rst", True),
        ("Title\n===\n\n.. bogus-directive::\n\n`unclosed\n", "text/x-rst", False),
        ("# Title\n\n<!-- mcp-name: io.github.acme/demo -->\n", "text/markdown", True),
    ],
)
def test_rendering_check_agrees_with_twine_check(tmp_path: Path, description: str, content_type: str, ok: bool) -> None:
    wheel = _wheel_with_description(tmp_path, description, content_type)
    ours = [p for p in check_distribution(wheel) if p.severity == "error"]
    twine = subprocess.run(["twine", "check", str(wheel)], capture_output=True, text=True, timeout=60, check=False)
    assert (twine.returncode == 0) is ok, twine.stdout + twine.stderr
    assert (not ours) is ok, ours
