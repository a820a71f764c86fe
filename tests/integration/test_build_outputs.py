"""Outputs are never packed into outputs: builds into the default DIR/dist, through the installed script, repeat
byte for byte (artifacts and supply-chain records) with no artifact inside another, each package has an SBOM that
validates and the provenance names every digest of SHA256SUMS, and a server whose code is in dist/ (TypeScript's
usual outDir) is packed and verifies."""

from __future__ import annotations

import hashlib
import json
import platform
import shutil
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from mcpship.pipeline.report import read_report
from mcpship.security import supply_chain_records
from mcpship.targets.mcpb.host import host_platform
from mcpship.verify.contents import nested_outputs
from tests.conftest import run_mcpship
from tests.unit.targets.mcpb_support import copy_example

_ARCH = {"x86_64": "x86_64", "amd64": "x86_64", "arm64": "arm64", "aarch64": "arm64"}
HERE = f"{host_platform()}-{_ARCH.get(platform.machine().lower(), platform.machine())}"
PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"


@dataclass(frozen=True)
class Rounds:
    root: Path
    digests: list[dict[str, str]]
    """After each build, the sha256 of every artifact and supply-chain record."""


def build_three_times(root: Path) -> Rounds:
    """``mcpship build DIR`` three times; after each, every output's sha256 (and no artifact holds another)."""
    rounds = []
    for _ in range(3):
        result = run_mcpship("build", str(root), timeout=600)
        assert result.returncode == 0, result.stdout + result.stderr
        artifacts = read_report(root / "dist")
        for artifact in artifacts:
            assert nested_outputs(artifact, artifacts) == [], artifact.path.name
        outputs = [a.path for a in artifacts] + [r.path for r in supply_chain_records(root / "dist")]
        rounds.append({path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in outputs})
    return Rounds(root=root, digests=rounds)


def node_copy(parent: Path, notes_node: Path) -> Path:
    root = copy_example("notes-node", parent)
    shutil.copytree(notes_node / "node_modules", root / "node_modules", symlinks=True)
    return root


def edit_package(root: Path, **changes: object) -> None:
    path = root / "package.json"
    package = json.loads(path.read_text(encoding="utf-8"))
    package.update(changes)
    for key in [key for key, value in changes.items() if value is None]:
        del package[key]
    path.write_text(json.dumps(package, indent=2) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def node_rounds(tmp_path_factory: pytest.TempPathFactory, notes_node: Path) -> Rounds:
    # Without "files", npm pack packs whatever .npmignore/.gitignore leave: dist/ too (the reported case).
    root = node_copy(tmp_path_factory.mktemp("outputs-node"), notes_node)
    edit_package(root, files=None)
    return build_three_times(root)


@pytest.fixture(scope="module")
def python_rounds(tmp_path_factory: pytest.TempPathFactory) -> Rounds:
    table = f'{{ author = {{ name = "mcpship tests" }}, platforms = ["{HERE}"], python_versions = ["{PYTHON}"] }}'
    root = copy_example("notes-py", tmp_path_factory.mktemp("outputs-py"), table)
    return build_three_times(root)


@pytest.mark.parametrize("which", ["node_rounds", "python_rounds"])
def test_three_builds_into_the_default_dist_give_the_same_artifacts_byte_for_byte(
    which: str, request: pytest.FixtureRequest
) -> None:
    first, second, third = request.getfixturevalue(which).digests
    assert len(first) >= 3
    assert first == second == third


@pytest.mark.parametrize("which", ["node_rounds", "python_rounds"])
def test_each_package_has_a_valid_sbom_and_the_provenance_names_every_digest_of_sha256sums(
    which: str, request: pytest.FixtureRequest
) -> None:
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    dist = request.getfixturevalue(which).root / "dist"
    artifacts = read_report(dist)
    records = supply_chain_records(dist)
    sboms = {r.describes: r.path for r in records if r.kind == "sbom"}
    packages = {a.path.name for a in artifacts if a.kind in ("wheel", "sdist", "npm", "mcpb", "oci")}
    assert len(packages) >= 2
    assert set(sboms) == packages
    validator = JsonStrictValidator(SchemaVersion.V1_6)
    for path in sboms.values():
        document = path.read_text(encoding="utf-8")
        assert validator.validate_str(document) is None, path.name
        assert json.loads(document)["components"], f"{path.name} lists no dependency"
    lines = (dist / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    summed = {name: digest for digest, name in (line.split("  ", 1) for line in lines)}
    assert set(summed) == {a.path.name for a in artifacts} | {p.name for p in sboms.values()}
    statement = json.loads((dist / "provenance.intoto.json").read_bytes())
    assert statement["predicateType"] == "https://slsa.dev/provenance/v1"
    assert {s["name"]: s["digest"]["sha256"] for s in statement["subject"]} == summed


@pytest.fixture(scope="module")
def typescript_style(tmp_path_factory: pytest.TempPathFactory, notes_node: Path) -> Path:
    """The Node example as tsc would leave it: its code under dist/, package.json pointing there."""
    root = node_copy(tmp_path_factory.mktemp("outputs-ts"), notes_node)
    (root / "src").rename(root / "dist")  # src/server.js reads ../package.json, as tsc output of src/ does
    cli = (root / "bin" / "notes-node-mcp.js").read_text(encoding="utf-8").replace("../src/server.js", "./server.js")
    (root / "dist" / "index.js").write_text(cli, encoding="utf-8")
    (root / "dist" / "index.js").chmod(0o755)
    shutil.rmtree(root / "bin")
    edit_package(root, main="dist/index.js", bin={"notes-node-mcp": "dist/index.js"}, files=["dist"])
    for _ in range(2):  # the second build finds the first one's artifacts beside the code
        result = run_mcpship("build", str(root), timeout=600)
        assert result.returncode == 0, result.stdout + result.stderr
    return root


def test_a_server_with_its_code_in_dist_is_bundled_without_the_artifacts_beside_it(typescript_style: Path) -> None:
    artifacts = {a.kind: a for a in read_report(typescript_style / "dist")}
    with tarfile.open(artifacts["npm"].path) as archive:
        packed = sorted(name for name in archive.getnames() if name.startswith("package/dist/"))
    assert "package/dist/index.js" in packed
    assert "package/dist/server.js" in packed
    assert not any(name.endswith((".tgz", ".mcpb", ".json", "SHA256SUMS")) for name in packed), packed


def test_a_server_with_its_code_in_dist_verifies_through_the_installed_script(typescript_style: Path) -> None:
    result = run_mcpship("verify", str(typescript_style / "dist"), "--config", "NOTES_TOKEN=test", timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no artifact inside another" not in result.stdout


def test_verify_fails_with_a_row_naming_an_earlier_build_packed_into_the_tarball(
    typescript_style: Path, tmp_path: Path
) -> None:
    dist = tmp_path / "dist"
    shutil.copytree(typescript_style / "dist", dist)
    artifacts = {a.kind: a for a in read_report(dist)}
    tarball = artifacts["npm"].path
    with tarfile.open(tarball, "w:gz") as archive:  # what an older mcpship built: the bundle inside the package
        archive.add(typescript_style / "package.json", "package/package.json")
        archive.add(artifacts["mcpb"].path, "package/dist/old.mcpb")
    report_file = dist / "mcpship-build.json"
    report = json.loads(report_file.read_text(encoding="utf-8"))
    for entry in report["artifacts"]:
        if entry["file"] == tarball.name:
            entry.update(sha256=hashlib.sha256(tarball.read_bytes()).hexdigest(), size=tarball.stat().st_size)
    report_file.write_text(json.dumps(report), encoding="utf-8")
    result = run_mcpship(
        "verify", str(dist), "--project", str(typescript_style), "--config", "NOTES_TOKEN=test", timeout=600
    )
    assert result.returncode != 0
    assert "package/dist/old.mcpb (the same bytes as" in result.stdout + result.stderr
    assert "earlier build's outputs were packed" in result.stderr
