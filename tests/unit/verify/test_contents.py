"""verify's contents check: no artifact holds another artifact, a build report or an artifact-shaped file."""

from __future__ import annotations

import hashlib
import io
import tarfile
import zipfile
from pathlib import Path

from mcpship.targets._base import Artifact
from mcpship.verify.contents import nested_outputs, verify_contents


def artifact(path: Path, kind: str) -> Artifact:
    data = path.read_bytes()
    return Artifact(
        target=kind,
        kind=kind,
        path=path,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        version="0.1.0",
        lock_digest=None,
    )


def tarball(path: Path, members: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def bundle(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_an_archive_holding_another_artifact_by_content_a_report_or_an_artifact_file_fails(tmp_path: Path) -> None:
    other = artifact(bundle(tmp_path / "notes-0.1.0.mcpb", {"manifest.json": b"{}"}), "mcpb")
    packed = tarball(
        tmp_path / "notes-0.1.0.tgz",
        {
            "package/bin/cli.js": b"#!/usr/bin/env node\n",
            "package/dist/renamed.zip": other.path.read_bytes(),
            "package/dist/mcpship-build.json": b"{}",
            "package/dist/notes-0.0.9.tgz": b"old",
            "package/node_modules/dep/fixture.tgz": b"a dependency's own",
        },
    )
    npm = artifact(packed, "npm")
    assert nested_outputs(npm, [npm, other]) == [
        "package/dist/renamed.zip (the same bytes as notes-0.1.0.mcpb)",
        "package/dist/mcpship-build.json (a build report)",
        "package/dist/notes-0.0.9.tgz (an artifact file)",
    ]
    row = verify_contents(npm, [npm, other])
    assert row is not None
    assert row.status == "failed"
    assert "package/dist/renamed.zip" in row.detail


def test_a_bundle_naming_another_artifact_fails_and_vendored_wheels_pass(tmp_path: Path) -> None:
    wheel = artifact(bundle(tmp_path / "notes-0.1.0-py3-none-any.whl", {"notes/__init__.py": b""}), "wheel")
    mcpb = bundle(
        tmp_path / "notes.mcpb",
        {"server/lib/virtualenv/seed/pip.whl": b"seed", "dist/notes-0.1.0-py3-none-any.whl": b"stale"},
    )
    found = nested_outputs(artifact(mcpb, "mcpb"), [wheel])
    assert found == ["dist/notes-0.1.0-py3-none-any.whl (named like the wheel artifact notes-0.1.0-py3-none-any.whl)"]


def test_an_archive_of_its_own_files_passes(tmp_path: Path) -> None:
    npm = artifact(tarball(tmp_path / "a.tgz", {"package/dist/index.js": b"x", "package/package.json": b"{}"}), "npm")
    assert verify_contents(npm, [npm]) is None
