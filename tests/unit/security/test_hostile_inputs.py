"""Locks and archives are read as hostile input: malformed shapes are skipped, cycles end, oversized members and
path tricks never crash the build or leave the archive."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest

from mcpship._exceptions import BuildError
from mcpship.security._packages import (
    npm_integrity_hashes,
    packages_from_npm_lock,
    packages_from_requires_dist,
    packages_from_uv_lock,
)
from mcpship.security.sbom import SbomInputs, build_sbom
from tests.unit.security.sbom_support import EPOCH, artifact, metadata, package_json, validation_error, write_zip


def inputs(root: Path) -> SbomInputs:
    return SbomInputs(root=root, fallback_name="tiny", source_date_epoch=EPOCH)


def test_malformed_lock_entries_are_skipped() -> None:
    lock = {
        "packages": {
            "node_modules/ok": {"version": "1.0.0", "integrity": "sha512-%%%not-base64", "resolved": 7},
            "node_modules/no-version": {"resolved": "https://x/y.tgz"},
            "node_modules/list": ["not", "an", "object"],
            "": {"name": "root"},
        }
    }
    (package,) = packages_from_npm_lock(lock)
    assert (package.name, package.version, package.hashes, package.distributions) == ("ok", "1.0.0", (), ())
    assert packages_from_npm_lock({"packages": ["x"]}) == []
    assert npm_integrity_hashes("md4-AAAA sha512- sha512-AAAA") == ()  # unknown, empty, truncated


def test_a_bundled_package_no_purl_can_name_is_listed_without_one(tmp_path: Path) -> None:
    path = write_zip(
        tmp_path / "tiny-1.0.0.mcpb",
        {
            "manifest.json": package_json("tiny", "1.0.0"),
            "server/node_modules/odd/package.json": package_json("odd/", "1.0.0"),
            "server/node_modules/long/package.json": package_json("long", "1." + "0" * 2000),
        },
    )
    text = build_sbom(artifact(path, "mcpb"), inputs(tmp_path))
    assert validation_error(text) is None
    (component,) = json.loads(text)["components"]
    assert (component["name"], component["bom-ref"], "purl" in component) == ("odd/", "npm:odd/@1.0.0", False)


def test_a_dependency_cycle_in_uv_lock_ends() -> None:
    lock = {
        "package": [
            {"name": "tiny", "version": "1.0.0", "dependencies": [{"name": "a"}]},
            {"name": "a", "version": "1.0.0", "dependencies": [{"name": "b"}]},
            {"name": "b", "version": "1.0.0", "dependencies": [{"name": "a"}, {"name": "tiny"}]},
        ]
    }
    assert [p.name for p in packages_from_uv_lock(lock, "tiny")] == ["a", "b"]


def test_requirements_that_do_not_parse_are_skipped() -> None:
    assert [p.name for p in packages_from_requires_dist(["mcp>=2", "not a ( requirement", ""])] == ["mcp"]


def test_an_oversized_package_json_in_a_bundle_is_skipped_and_a_long_metadata_still_names_its_package(
    tmp_path: Path,
) -> None:
    long_metadata = metadata("Big", "1.0") + b"x" * (2 << 20)
    path = write_zip(
        tmp_path / "tiny-1.0.0.mcpb",
        {
            "manifest.json": package_json("tiny", "1.0.0"),
            "server/node_modules/huge/package.json": b'{"name": "huge", "version": "1.0.0", "x": "'
            + b"y" * (2 << 20)
            + b'"}',
            "server/node_modules/deep/package.json": b"[" * 100_000,
            "server/lib/big-1.0.dist-info/METADATA": long_metadata,
            # would take the patterns seconds to refuse: refused by its length first
            "server/" + "node_modules/" * 3000 + "a/b/package.json": package_json("slow", "1.0.0"),
        },
    )
    text = build_sbom(artifact(path, "mcpb"), inputs(tmp_path))
    assert validation_error(text) is None
    assert [c["name"] for c in json.loads(text)["components"]] == ["Big"]


def test_an_image_index_naming_a_path_instead_of_a_digest_is_a_build_error(tmp_path: Path) -> None:
    path = tmp_path / "tiny-1.0.0.oci.tar"
    index = json.dumps({"manifests": [{"digest": "sha256:../../../etc/passwd"}]}).encode()
    with tarfile.open(path, "w") as archive:
        info = tarfile.TarInfo("index.json")
        info.size = len(index)
        archive.addfile(info, io.BytesIO(index))
    with pytest.raises(BuildError, match="unexpected digest"):
        build_sbom(artifact(path, "oci"), inputs(tmp_path))
