"""``--target npm``: a reproducible tarball that ``npx -y`` starts and that serves the locked interface."""

from __future__ import annotations

from pathlib import Path

from mcpship import build_project, verify_dist


def test_npm_tarball_is_reproducible_and_verifies_through_npx(notes_node: Path, tmp_path: Path) -> None:
    first = build_project(notes_node, targets=["npm"], outdir=tmp_path / "a")
    second = build_project(notes_node, targets=["npm"], outdir=tmp_path / "b")
    (tarball,) = first.built
    assert tarball.path.name == "mcpship-example-notes-node-0.1.0.tgz"
    assert tarball.sha256 == second.built[0].sha256
    (result,) = verify_dist(tmp_path / "a", project=notes_node)
    assert result.status == "ok"
    assert result.matches is True
    assert result.how == "npx -y <tarball>"


def test_npm_is_not_applicable_to_a_python_server(notes_py: Path, tmp_path: Path) -> None:
    report = build_project(notes_py, targets=["npm"], outdir=tmp_path / "dist")
    assert report.built == []
    assert "packages Node servers" in report.skipped["npm"]
