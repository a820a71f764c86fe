"""The build driver's promises, with stand-in targets so each promise is tested on its own."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import ClassVar

import pytest

from mcpship import BuildError
from mcpship._problems import Problem
from mcpship.pipeline import build_project
from mcpship.pipeline.report import sha256_of
from mcpship.targets import BUILTIN_TARGETS, BuildContext, NoConfig

BUILT: list[str] = []
"""The targets built, in the order the driver ran them."""


class _Writes:
    name: ClassVar[str] = "fake-ok"
    config_class: ClassVar[type[NoConfig]] = NoConfig
    needs: ClassVar[tuple[str, ...]] = ()

    def not_applicable(self, context: BuildContext) -> str | None:
        return None

    def check(self, context: BuildContext) -> list[Problem]:
        return []

    def build(self, context: BuildContext) -> list[tuple[str, Path, str | None]]:
        BUILT.append(self.name)
        path = context.staging / f"fake-{context.resolved.spec.version}.txt"
        path.write_text("fake artifact\n", encoding="utf-8")
        return [("fake", path, None)]


class FakeOk(_Writes):
    pass


class FakeFails(_Writes):
    name: ClassVar[str] = "fake-fails"

    def check(self, context: BuildContext) -> list[Problem]:
        return [Problem(file="x", path="$", message="always broken", hint="nothing to do")]


class FakeReader(_Writes):
    name: ClassVar[str] = "fake-reader"
    needs: ClassVar[tuple[str, ...]] = ("fake-ok",)
    seen: ClassVar[list[str]] = []

    def build(self, context: BuildContext) -> list[tuple[str, Path, str | None]]:
        BUILT.append(self.name)
        FakeReader.seen = [a.path.name for a in context.built.get("fake-ok", [])]
        path = context.staging / "reader.txt"
        path.write_text("reader\n", encoding="utf-8")
        return [("fake", path, None)]


@pytest.fixture
def fakes(monkeypatch: pytest.MonkeyPatch) -> None:
    BUILT.clear()
    for cls in (FakeOk, FakeFails, FakeReader):
        monkeypatch.setitem(BUILTIN_TARGETS, cls.name, f"{__name__}:{cls.__name__}")


@pytest.fixture
def project(tmp_path: Path, notes_py: Path) -> Path:
    copy = tmp_path / "proj"
    copy.mkdir()
    for name in ("pyproject.toml", "README.md", "mcpship.toml", "mcp-interface.json"):
        shutil.copy(notes_py / name, copy / name)
    return copy


def test_writes_the_report_and_checksums(fakes: None, project: Path) -> None:
    report = build_project(project, targets=["fake-ok"])
    (artifact,) = report.built
    assert artifact.path == project / "dist" / "fake-0.1.0.txt"
    sums = (project / "dist" / "SHA256SUMS").read_text(encoding="utf-8")
    assert sums == f"{sha256_of(artifact.path)}  fake-0.1.0.txt\n"
    data = json.loads((project / "dist" / "mcpship-build.json").read_text(encoding="utf-8"))
    assert data["artifacts"][0]["lockDigest"].startswith("sha256:")


def test_a_failing_target_leaves_other_targets_artifacts_alone(fakes: None, project: Path) -> None:
    first = build_project(project, targets=["fake-ok"]).built[0]
    before = first.path.read_bytes()
    with pytest.raises(BuildError, match="always broken") as caught:
        build_project(project, targets=["fake-fails"])
    assert first.path.read_bytes() == before
    data = json.loads((project / "dist" / "mcpship-build.json").read_text(encoding="utf-8"))
    assert [a["file"] for a in data["artifacts"]] == ["fake-0.1.0.txt"]
    assert caught.value.hint == "nothing to do"


def test_only_requested_targets_are_rebuilt_and_readers_run_after_what_they_read(fakes: None, project: Path) -> None:
    build_project(project, targets=["fake-ok"])
    stamp = (project / "dist" / "fake-0.1.0.txt").stat().st_mtime_ns
    report = build_project(project, targets=["fake-reader"])
    assert [a.path.name for a in report.built] == ["reader.txt"]
    assert FakeReader.seen == ["fake-0.1.0.txt"]  # the earlier build's artifact is visible to the reader
    assert (project / "dist" / "fake-0.1.0.txt").stat().st_mtime_ns == stamp
    assert BUILT == ["fake-ok", "fake-reader"]
    again = build_project(project, targets=["fake-reader", "fake-ok"])  # given in the wrong order
    assert BUILT[2:] == ["fake-ok", "fake-reader"]  # what a target reads is built before it
    assert {a.path.name for a in again.built} == {"fake-0.1.0.txt", "reader.txt"}
    assert {a.path.name for a in again.artifacts} == {"fake-0.1.0.txt", "reader.txt"}


def test_an_unknown_target_is_a_usage_error_listing_the_known_ones(project: Path) -> None:
    from mcpship import UsageError

    with pytest.raises(UsageError, match="unknown target 'wheel'") as caught:
        build_project(project, targets=["wheel"])
    assert "pypi" in (caught.value.hint or "")
