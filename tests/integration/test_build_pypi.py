"""``--target pypi`` and wheel verification against the real example server."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from mcpship import VerifyError, build_project, verify_dist
from tests.conftest import run_mcpship


@pytest.fixture
def notes_copy(tmp_path: Path, notes_py: Path) -> Path:
    copy = tmp_path / "notes-py"
    shutil.copytree(notes_py, copy, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "dist"))
    return copy


def test_two_builds_are_byte_identical_and_pass_twine_check(
    tmp_path: Path, notes_py: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    first = build_project(notes_py, targets=["pypi"], outdir=tmp_path / "a")
    second = build_project(notes_py, targets=["pypi"], outdir=tmp_path / "b")
    assert [a.kind for a in first.built] == ["wheel", "sdist"]
    assert [(a.path.name, a.sha256) for a in first.built] == [(a.path.name, a.sha256) for a in second.built]
    files = [str(a.path) for a in first.built]
    twine = subprocess.run(["twine", "check", "--strict", *files], capture_output=True, text=True, timeout=120)
    assert twine.returncode == 0, twine.stdout + twine.stderr


def test_the_built_wheel_serves_the_locked_interface_through_uvx(tmp_path: Path, notes_py: Path) -> None:
    build_project(notes_py, targets=["pypi"], outdir=tmp_path / "dist")
    results = verify_dist(tmp_path / "dist", project=notes_py)
    by_kind = {r.artifact.kind: r for r in results}
    assert by_kind["wheel"].status == "ok"
    assert by_kind["wheel"].matches is True
    assert by_kind["sdist"].status == "ok"
    assert "byte-identical" in by_kind["sdist"].detail


def test_a_wheel_built_from_changed_source_fails_verification_naming_the_tool(notes_copy: Path) -> None:
    server = notes_copy / "src" / "notes_mcp" / "server.py"
    server.write_text(
        server.read_text(encoding="utf-8").replace("Find notes whose title", "Look up notes whose title"),
        encoding="utf-8",
    )
    build_project(notes_copy, targets=["pypi"])
    with pytest.raises(VerifyError) as caught:
        verify_dist(notes_copy / "dist")
    assert "tool search_notes" in caught.value.message
    failed = [r for r in caught.value.results if r.status == "failed"]
    assert [r.artifact.kind for r in failed] == ["wheel"]
    assert failed[0].matches is False


def test_missing_marker_stops_the_build_and_fix_repairs_it(notes_copy: Path) -> None:
    readme = notes_copy / "README.md"
    readme.write_text(readme.read_text(encoding="utf-8").replace("<!-- mcp-name: io.github.mcpship/notes-py -->", ""))
    result = run_mcpship("build", str(notes_copy), "--target", "pypi")
    assert result.returncode == 8, result.stderr
    assert "mcp-name: io.github.mcpship/notes-py" in result.stderr
    assert "--fix" in result.stderr
    assert not (notes_copy / "dist" / "SHA256SUMS").read_text(encoding="utf-8")  # nothing built, report empty
    fixed = run_mcpship("build", str(notes_copy), "--target", "pypi", "--fix")
    assert fixed.returncode == 0, fixed.stderr
    assert "<!-- mcp-name: io.github.mcpship/notes-py -->" in readme.read_text(encoding="utf-8")


def test_an_sdist_missing_a_module_fails_verification_naming_it(notes_copy: Path) -> None:
    pyproject = notes_copy / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text(encoding="utf-8")
        + '\n[tool.hatch.build.targets.sdist]\nexclude = ["src/notes_mcp/store.py"]\n'
    )
    build_project(notes_copy, targets=["pypi"])
    with pytest.raises(VerifyError) as caught:
        verify_dist(notes_copy / "dist")
    failed = {r.artifact.kind: r for r in caught.value.results if r.status == "failed"}
    assert list(failed) == ["sdist"]
    assert "notes_mcp/store.py" in failed["sdist"].detail
