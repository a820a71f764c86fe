"""``dynamic = ["version"]`` projects, through the installed ``mcpship`` script: the version their real build backend
computes (hatchling from a version file, setuptools-scm from a git tag) is the one every artifact carries."""

from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from mcpship.spec.backend_metadata import backend_metadata
from mcpship.spec.project_metadata import read_toml
from tests.conftest import assert_clean_error, run_mcpship

REPO = Path(__file__).resolve().parents[2]


def _dynamic_copy(tmp_path: Path, notes_py: Path, *, build_system: str | None = None, tool: str) -> Path:
    """notes-py with its version left dynamic; ``tool`` tells the backend where to find it."""
    root = tmp_path / "notes-dyn"
    shutil.copytree(notes_py, root, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "dist"))
    pyproject = root / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8").replace('version = "0.1.0"\n', 'dynamic = ["version"]\n')
    if build_system is not None:
        text = text.replace('requires = ["hatchling>=1.27"]\nbuild-backend = "hatchling.build"', build_system)
        text = text.replace('[tool.hatch.build.targets.wheel]\npackages = ["src/notes_mcp"]\n', "")
    pyproject.write_text(text + "\n" + tool, encoding="utf-8")
    return root


def _spec_version(root: Path) -> str:
    result = run_mcpship("spec", str(root), "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    return str(document.get("result", document)["version"])


def test_a_hatch_version_file_versions_the_wheel_and_server_json(tmp_path: Path, notes_py: Path) -> None:
    root = _dynamic_copy(tmp_path, notes_py, tool='[tool.hatch.version]\npath = "src/notes_mcp/__about__.py"\n')
    (root / "src" / "notes_mcp" / "__about__.py").write_text('__version__ = "2.7.1"\n', encoding="utf-8")

    result = run_mcpship("build", str(root), "--target", "pypi,registry")

    assert result.returncode == 0, result.stderr
    dist = root / "dist"
    wheel = dist / "mcpship_example_notes-2.7.1-py3-none-any.whl"
    assert wheel.is_file(), sorted(p.name for p in dist.iterdir())
    assert (dist / "mcpship_example_notes-2.7.1.tar.gz").is_file()
    with zipfile.ZipFile(wheel) as archive:
        metadata = archive.read("mcpship_example_notes-2.7.1.dist-info/METADATA").decode()
    assert "\nVersion: 2.7.1\n" in metadata
    server = json.loads((dist / "server.json").read_text(encoding="utf-8"))
    assert server["version"] == "2.7.1"
    assert [package["version"] for package in server["packages"]] == ["2.7.1"]

    # A bump in the version file is seen at once (the cached result is keyed by the tree's state).
    (root / "src" / "notes_mcp" / "__about__.py").write_text('__version__ = "2.8.0"\n', encoding="utf-8")
    assert _spec_version(root) == "2.8.0"


def test_a_broken_version_source_is_a_spec_error_with_the_fix(tmp_path: Path, notes_py: Path) -> None:
    root = _dynamic_copy(tmp_path, notes_py, tool='[tool.hatch.version]\npath = "src/notes_mcp/__about__.py"\n')

    result = run_mcpship("build", str(root), "--target", "pypi")

    assert_clean_error(result, 3)
    assert "pyproject.toml: [project].version is dynamic" in result.stderr
    assert "'hatchling.build' failed to compute it" in result.stderr
    assert "__about__.py" in result.stderr  # hatchling's own words: the file it could not read
    assert "hint: fix the backend's configuration in pyproject.toml" in result.stderr
    assert 'set version = "X.Y.Z" in mcpship.toml' in result.stderr


def test_a_setuptools_scm_version_follows_the_git_tag(tmp_path: Path, notes_py: Path) -> None:
    if shutil.which("git") is None:
        pytest.fail("git is not installed: apt-get install -y git (dev/system-deps does)")
    root = _dynamic_copy(
        tmp_path,
        notes_py,
        build_system='requires = ["setuptools>=77", "setuptools-scm>=8"]\nbuild-backend = "setuptools.build_meta"',
        tool="[tool.setuptools_scm]\n",
    )
    git = ["git", "-c", "user.email=dev@example.com", "-c", "user.name=dev", "-c", "commit.gpgsign=false"]
    for argv in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "first"], ["tag", "v3.1.4"]):
        subprocess.run([*git, *argv], cwd=root, check=True, capture_output=True, timeout=60)

    assert _spec_version(root) == "3.1.4"

    for argv in (["commit", "-q", "--allow-empty", "-m", "second"], ["tag", "v3.2.0"]):
        subprocess.run([*git, *argv], cwd=root, check=True, capture_output=True, timeout=60)
    assert _spec_version(root) == "3.2.0"  # same files, a new commit and tag: not the cached 3.1.4


def test_mcpships_own_dynamic_version_is_computed_like_its_wheel_would_be() -> None:
    from mcpship.__about__ import __version__

    assert backend_metadata(REPO, read_toml(REPO / "pyproject.toml"), "version")["version"] == __version__
