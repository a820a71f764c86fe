"""The records a build writes beside its artifacts: an SBOM per software artifact, one provenance statement whose
subjects are exactly SHA256SUMS, listed in the report for channels, never packed, reproducible, and removed with
``--no-sbom`` rather than left describing other files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import ClassVar

import pytest

from mcpship._exceptions import BuildError
from mcpship._problems import Problem
from mcpship.pipeline import build_project
from mcpship.security import supply_chain_records
from mcpship.targets import BUILTIN_TARGETS, BuildContext, BuildOptions, NoConfig
from mcpship.targets._outputs import find_outputs
from tests.unit.security.sbom_support import metadata, validation_error, write_zip


class WheelTarget:
    """Writes a small wheel, and a descriptor that gets no SBOM."""

    name: ClassVar[str] = "fake-wheel"
    config_class: ClassVar[type[NoConfig]] = NoConfig
    needs: ClassVar[tuple[str, ...]] = ()
    requires: ClassVar[tuple[str, ...]] = ("mcp>=2",)

    def not_applicable(self, context: BuildContext) -> str | None:
        return None

    def check(self, context: BuildContext) -> list[Problem]:
        return []

    def build(self, context: BuildContext) -> list[tuple[str, Path, str | None]]:
        wheel = write_zip(
            context.staging / "tiny-0.1.0-py3-none-any.whl",
            {"tiny-0.1.0.dist-info/METADATA": metadata("tiny", "0.1.0", self.requires)},
        )
        descriptor = context.staging / "server.json"
        descriptor.write_text("{}\n", encoding="utf-8")
        return [("wheel", wheel, None), ("server.json", descriptor, None)]


@pytest.fixture
def project(tmp_path: Path, notes_py: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setitem(BUILTIN_TARGETS, WheelTarget.name, f"{__name__}:WheelTarget")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    for name in ("GITHUB_RUN_ID", "GITHUB_REPOSITORY", "GITHUB_SERVER_URL"):
        monkeypatch.delenv(name, raising=False)
    copy = tmp_path / "proj"
    copy.mkdir()
    for name in ("pyproject.toml", "README.md", "mcpship.toml", "mcp-interface.json"):
        shutil.copy(notes_py / name, copy / name)
    return copy


def sums(dist: Path) -> dict[str, str]:
    lines = (dist / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    return {name: digest for digest, name in (line.split("  ", 1) for line in lines)}


def test_the_provenance_names_every_file_of_sha256sums_with_the_same_digest(project: Path) -> None:
    report = build_project(project, targets=["fake-wheel"])
    dist = report.outdir
    statement = json.loads((dist / "provenance.intoto.json").read_bytes())
    subjects = {subject["name"]: subject["digest"]["sha256"] for subject in statement["subject"]}
    assert subjects == sums(dist)
    assert set(subjects) == {"server.json", "tiny-0.1.0-py3-none-any.whl", "tiny-0.1.0-py3-none-any.whl.cdx.json"}
    assert statement["predicate"]["buildDefinition"]["externalParameters"]["targets"] == ["fake-wheel"]
    assert validation_error((dist / "tiny-0.1.0-py3-none-any.whl.cdx.json").read_text(encoding="utf-8")) is None


def test_the_records_are_listed_for_channels_with_their_media_types(project: Path) -> None:
    report = build_project(project, targets=["fake-wheel"])
    listed = {(r.kind, r.path.name, r.media_type, r.describes) for r in supply_chain_records(report.outdir)}
    wheel = "tiny-0.1.0-py3-none-any.whl"
    assert listed == {
        ("sbom", f"{wheel}.cdx.json", "application/vnd.cyclonedx+json", wheel),
        ("provenance", "provenance.intoto.json", "application/vnd.in-toto+json", None),
    }
    assert {r.path for r in report.records} == {r.path for r in supply_chain_records(report.outdir)}


def test_the_records_are_known_as_outputs_so_no_target_packs_them(project: Path) -> None:
    build_project(project, targets=["fake-wheel"])
    outputs = find_outputs(project)
    assert outputs.holds("dist/tiny-0.1.0-py3-none-any.whl.cdx.json")
    assert outputs.holds("dist/provenance.intoto.json")
    assert outputs.holds("dist/left-over-from-a-rename.cdx.json")  # by shape too
    assert "/dist/*.cdx.json" in outputs.gitignore_patterns()


def test_two_builds_write_the_same_records_byte_for_byte(project: Path) -> None:
    dist = build_project(project, targets=["fake-wheel"]).outdir
    first = {path.name: path.read_bytes() for path in dist.iterdir()}
    build_project(project, targets=["fake-wheel"])
    assert {path.name: path.read_bytes() for path in dist.iterdir()} == first


def test_a_record_of_an_artifact_that_is_gone_is_removed(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dist = build_project(project, targets=["fake-wheel"]).outdir
    monkeypatch.setattr(WheelTarget, "build", lambda self, context: [])
    build_project(project, targets=["fake-wheel"])
    assert not (dist / "tiny-0.1.0-py3-none-any.whl.cdx.json").exists()
    assert json.loads((dist / "provenance.intoto.json").read_bytes())["subject"] == []


def test_no_sbom_builds_without_records_and_removes_the_earlier_ones(project: Path) -> None:
    dist = build_project(project, targets=["fake-wheel"]).outdir
    report = build_project(project, targets=["fake-wheel"], options=BuildOptions(supply_chain=False))
    assert report.records == []
    assert sorted(path.name for path in dist.iterdir()) == [
        "SHA256SUMS",
        "mcpship-build.json",
        "server.json",
        "tiny-0.1.0-py3-none-any.whl",
    ]
    assert "supplyChain" not in json.loads((dist / "mcpship-build.json").read_bytes())
    assert set(sums(dist)) == {"server.json", "tiny-0.1.0-py3-none-any.whl"}


def test_an_sbom_that_cannot_be_made_fails_the_build_and_leaves_no_record(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dist = build_project(project, targets=["fake-wheel"]).outdir

    def refuse(*args: object) -> str:
        raise BuildError("the SBOM of tiny does not validate", hint="report it")

    monkeypatch.setattr("mcpship.security.records.build_sbom", refuse)
    with pytest.raises(BuildError, match="supply-chain: the SBOM of tiny does not validate") as caught:
        build_project(project, targets=["fake-wheel"])
    assert caught.value.report is not None
    assert caught.value.report.records == []
    assert sorted(path.name for path in dist.iterdir() if path.name.endswith((".cdx.json", ".intoto.json"))) == []
    assert (dist / "tiny-0.1.0-py3-none-any.whl").is_file()  # the artifacts stay
