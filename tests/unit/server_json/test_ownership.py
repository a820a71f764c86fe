"""check_ownership_markers against real builds: the proofs the registry will look for, checked before publishing."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
import tarfile
from pathlib import Path
from typing import Any

import pytest

from mcpship.probe.pyenv import uv_executable
from mcpship.server_json import check_ownership_markers
from mcpship.targets import Artifact

NAME = "io.github.mcpship/notes-py"
PROJECT = "mcpship-example-notes"
SOURCE = "dist/server.json"


def artifact(path: Path, target: str, kind: str) -> Artifact:
    data = path.read_bytes()
    return Artifact(
        target=target,
        kind=kind,
        path=path,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        version="0.1.0",
        lock_digest=None,
    )


def build(project: Path, out: Path, *formats: str) -> list[Path]:
    subprocess.run(
        [uv_executable(), "build", *formats, "--out-dir", str(out), str(project)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return sorted(path for path in out.iterdir() if path.name.endswith((".whl", ".tar.gz")))


@pytest.fixture(scope="module")
def marked_dists(notes_py: Path, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The example as is: its README carries <!-- mcp-name: io.github.mcpship/notes-py -->."""
    return build(notes_py, tmp_path_factory.mktemp("marked"), "--sdist", "--wheel")


@pytest.fixture(scope="module")
def unmarked_wheel(notes_py: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = tmp_path_factory.mktemp("unmarked-project")
    shutil.copytree(notes_py / "src", project / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    shutil.copy(notes_py / "pyproject.toml", project)
    readme = (notes_py / "README.md").read_text(encoding="utf-8")
    (project / "README.md").write_text(readme.replace(f"<!-- mcp-name: {NAME} -->", ""), encoding="utf-8")
    (wheel,) = build(project, tmp_path_factory.mktemp("unmarked"), "--wheel")
    return wheel


def server(*packages: dict[str, Any]) -> dict[str, Any]:
    return {"name": NAME, "description": "Notes", "version": "0.1.0", "packages": list(packages)}


PYPI = {"registryType": "pypi", "identifier": PROJECT, "version": "0.1.0", "transport": {"type": "stdio"}}


@pytest.mark.network  # uv build fetches the build backend (hatchling) unless it is cached
def test_a_wheel_and_sdist_with_the_marker_pass(marked_dists: list[Path]) -> None:
    artifacts = [artifact(path, "pypi", "wheel" if path.suffix == ".whl" else "sdist") for path in marked_dists]
    assert len(artifacts) == 2
    assert check_ownership_markers(server(PYPI), artifacts, source=SOURCE) == []


@pytest.mark.network
def test_a_wheel_whose_readme_lacks_the_marker_is_refused(unmarked_wheel: Path) -> None:
    (problem,) = check_ownership_markers(server(PYPI), [artifact(unmarked_wheel, "pypi", "wheel")], source=SOURCE)
    assert problem.severity == "error"
    assert problem.file == f"{unmarked_wheel}!mcpship_example_notes-0.1.0.dist-info/METADATA"
    assert f"mcp-name: {NAME}" in problem.message
    assert problem.hint is not None
    assert f"<!-- mcp-name: {NAME} -->" in problem.hint


@pytest.mark.network
def test_the_pypi_identifier_must_be_the_built_project(marked_dists: list[Path]) -> None:
    artifacts = [artifact(path, "pypi", "dist") for path in marked_dists]
    wrong = {**PYPI, "identifier": "notes-mcp"}
    (problem,) = check_ownership_markers(server(wrong), artifacts, source=SOURCE)  # once, not per file
    assert (problem.file, problem.path) == (SOURCE, "$.packages[0].identifier")
    assert PROJECT in problem.message


@pytest.mark.network
def test_the_pypi_version_must_be_the_built_one(marked_dists: list[Path]) -> None:
    stale = {**PYPI, "identifier": "MCPship_Example.Notes", "version": "0.0.9"}  # PEP 503: the same project
    problems = check_ownership_markers(server(stale), [artifact(marked_dists[-1], "pypi", "wheel")], source=SOURCE)
    assert [problem.path for problem in problems] == ["$.packages[0].version"]


def npm_tarball(path: Path, manifest: dict[str, Any]) -> Path:
    data = json.dumps(manifest).encode()
    with tarfile.open(path, "w:gz") as archive:
        member = tarfile.TarInfo("package/package.json")
        member.size = len(data)
        archive.addfile(member, io.BytesIO(data))
    return path


@pytest.mark.parametrize(
    ("manifest", "says"),
    [({"name": "notes"}, "has no mcpName"), ({"name": "notes", "mcpName": "io.github.someone/else"}, "someone")],
)
def test_an_npm_tarball_needs_mcp_name(tmp_path: Path, manifest: dict[str, Any], says: str) -> None:
    tarball = npm_tarball(tmp_path / "notes-0.1.0.tgz", manifest)
    (problem,) = check_ownership_markers(server(), [artifact(tarball, "npm", "tarball")], source=SOURCE)
    assert (problem.file, problem.path) == (f"{tarball}!package/package.json", "$.mcpName")
    assert says in problem.message
    assert problem.hint == f'set "mcpName": "{NAME}" in package.json and build again'


def test_an_npm_tarball_with_mcp_name_passes(tmp_path: Path) -> None:
    tarball = npm_tarball(tmp_path / "notes-0.1.0.tgz", {"name": "notes", "mcpName": NAME})
    assert check_ownership_markers(server(), [artifact(tarball, "npm", "tarball")], source=SOURCE) == []


def mcpb_package(file: str, sha256: str) -> dict[str, Any]:
    url = f"https://github.com/mcpship/mcpship/releases/download/v0.1.0/{file}"
    return {"registryType": "mcpb", "identifier": url, "fileSha256": sha256, "transport": {"type": "stdio"}}


def test_each_bundle_is_matched_to_its_package_and_hash(tmp_path: Path) -> None:
    linux, mac = tmp_path / "notes-linux-x86_64.mcpb", tmp_path / "notes-darwin-arm64.mcpb"
    linux.write_bytes(b"linux bundle")
    mac.write_bytes(b"mac bundle")
    bundles = [artifact(linux, "mcpb", "mcpb"), artifact(mac, "mcpb", "mcpb")]
    right = server(mcpb_package(mac.name, bundles[1].sha256), mcpb_package(linux.name, bundles[0].sha256))
    assert check_ownership_markers(right, bundles, source=SOURCE) == []
    swapped = server(mcpb_package(mac.name, bundles[0].sha256), mcpb_package(linux.name, bundles[1].sha256))
    problems = check_ownership_markers(swapped, bundles, source=SOURCE)
    assert [problem.path for problem in problems] == ["$.packages[1].fileSha256", "$.packages[0].fileSha256"]
    assert bundles[0].sha256 in problems[0].message


def test_a_bundle_server_json_does_not_list_is_a_warning(tmp_path: Path) -> None:
    bundle = tmp_path / "notes.mcpb"
    bundle.write_bytes(b"bundle")
    (problem,) = check_ownership_markers(server(PYPI), [artifact(bundle, "mcpb", "mcpb")], source=SOURCE)
    assert (problem.path, problem.severity) == ("$.packages", "warning")


def test_an_unreadable_wheel_is_reported_not_raised(tmp_path: Path) -> None:
    wheel = tmp_path / "broken-0.1.0-py3-none-any.whl"
    wheel.write_bytes(b"not a zip")
    (problem,) = check_ownership_markers(server(PYPI), [artifact(wheel, "pypi", "wheel")], source=SOURCE)
    assert (problem.file, problem.severity) == (str(wheel), "error")
