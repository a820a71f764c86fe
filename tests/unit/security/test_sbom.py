"""One CycloneDX 1.6 SBOM per artifact kind, each checked by the library's strict validator: the artifact as the
metadata component, and what it depends on or carries, honestly (ranges stay ranges)."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from mcpship._exceptions import BuildError
from mcpship.security.sbom import SbomInputs, build_sbom, validate_sbom
from mcpship.targets.oci import files_layer, pack_layout_tar, read_base_layout, write_image_layout
from tests.unit.security.sbom_support import (
    EPOCH,
    artifact,
    metadata,
    package_json,
    validation_error,
    write_tar,
    write_zip,
)
from tests.unit.targets.test_oci_image import settings, tiny_base

SHA_A = "a" * 64
SHA_B = "b" * 64
UV_LOCK = f"""version = 1
requires-python = ">=3.10"

[[package]]
name = "tiny"
version = "1.0.0"
source = {{ editable = "." }}
dependencies = [{{ name = "mcp" }}, {{ name = "httpx", extra = ["http2"] }}]

[package.dev-dependencies]
dev = [{{ name = "pytest" }}]

[[package]]
name = "mcp"
version = "2.3.0"
source = {{ registry = "https://pypi.org/simple" }}
dependencies = [{{ name = "anyio" }}]
sdist = {{ url = "https://files.example/mcp-2.3.0.tar.gz", hash = "sha256:{SHA_A}", size = 10 }}
wheels = [{{ url = "https://files.example/mcp-2.3.0-py3-none-any.whl", hash = "sha256:{SHA_B}", size = 9 }}]

[[package]]
name = "anyio"
version = "4.0.0"
source = {{ registry = "https://pypi.org/simple" }}

[[package]]
name = "httpx"
version = "0.28.1"
source = {{ registry = "https://pypi.org/simple" }}

[package.optional-dependencies]
http2 = [{{ name = "h2" }}]

[[package]]
name = "h2"
version = "4.1.0"
source = {{ registry = "https://pypi.org/simple" }}

[[package]]
name = "pytest"
version = "8.0.0"
source = {{ registry = "https://pypi.org/simple" }}
"""


def integrity(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


NPM_LOCK = {
    "name": "tiny",
    "lockfileVersion": 3,
    "packages": {
        "": {"name": "tiny", "version": "1.0.0"},
        "node_modules/@scope/lib": {
            "version": "2.0.0",
            "resolved": "https://registry.example/@scope/lib/-/lib-2.0.0.tgz",
            "integrity": integrity(b"lib"),
        },
        "node_modules/@scope/lib/node_modules/dep": {"version": "1.1.0", "integrity": integrity(b"dep")},
        "node_modules/devtool": {"version": "9.0.0", "dev": True},
    },
}


def sbom(path: Path, kind: str, root: Path, **extra: Any) -> dict[str, Any]:
    inputs = SbomInputs(root=root, fallback_name="tiny", source_date_epoch=EPOCH)
    text = build_sbom(artifact(path, kind, **extra), inputs)
    assert validation_error(text) is None
    document: dict[str, Any] = json.loads(text)
    return document


def by_name(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {component["name"]: component for component in document["components"]}


def properties(component: dict[str, Any]) -> dict[str, str]:
    return {item["name"]: item["value"] for item in component.get("properties", [])}


def wheel(directory: Path, *requires: str) -> Path:
    return write_zip(
        directory / "tiny-1.0.0-py3-none-any.whl",
        {"tiny/__init__.py": b"", "tiny-1.0.0.dist-info/METADATA": metadata("tiny", "1.0.0", requires)},
    )


def test_a_wheel_without_a_lock_lists_its_declared_requirements_with_their_ranges_unresolved(tmp_path: Path) -> None:
    path = wheel(tmp_path, "mcp>=2.3,<3", "pinned==1.2.3", 'extra-thing>=1; extra == "cli"')
    document = sbom(path, "wheel", tmp_path)
    root = document["metadata"]["component"]
    assert root["purl"] == "pkg:pypi/tiny@1.0.0?file_name=tiny-1.0.0-py3-none-any.whl"
    assert root["hashes"] == [{"alg": "SHA-256", "content": hashlib.sha256(path.read_bytes()).hexdigest()}]
    components = by_name(document)
    assert "version" not in components["mcp"]
    assert properties(components["mcp"])["mcpship:requirement"] == "<3,>=2.3"
    assert components["mcp"]["purl"] == "pkg:pypi/mcp"
    assert components["pinned"]["version"] == "1.2.3"
    assert components["extra-thing"]["scope"] == "optional"
    assert document["specVersion"] == "1.6"
    assert document["metadata"]["timestamp"].startswith("2023-11-14T22:13:20")


def test_a_wheel_of_a_uv_project_lists_the_locked_runtime_closure_with_file_digests(tmp_path: Path) -> None:
    (tmp_path / "uv.lock").write_text(UV_LOCK, encoding="utf-8")
    components = by_name(sbom(wheel(tmp_path, "mcp"), "wheel", tmp_path))
    assert sorted(components) == ["anyio", "h2", "httpx", "mcp"]  # pytest is a dev dependency; h2 via the extra
    assert components["mcp"]["version"] == "2.3.0"
    references = {ref["url"]: ref["hashes"] for ref in components["mcp"]["externalReferences"]}
    assert references["https://files.example/mcp-2.3.0.tar.gz"] == [{"alg": "SHA-256", "content": SHA_A}]
    assert properties(components["mcp"])["mcpship:source"] == "uv.lock"


def test_a_pylock_lists_its_packages_but_the_project(tmp_path: Path) -> None:
    (tmp_path / "pylock.toml").write_text(
        'lock-version = "1.0"\ncreated-by = "test"\n'
        '[[packages]]\nname = "tiny"\ndirectory = { path = "." }\n'
        f'[[packages]]\nname = "mcp"\nversion = "2.3.0"\n'
        f'wheels = [{{ url = "https://files.example/mcp.whl", hashes = {{ sha256 = "{SHA_A}" }} }}]\n',
        encoding="utf-8",
    )
    components = by_name(sbom(wheel(tmp_path), "wheel", tmp_path))
    assert list(components) == ["mcp"]
    assert components["mcp"]["externalReferences"][0]["hashes"] == [{"alg": "SHA-256", "content": SHA_A}]


def test_an_sdist_reads_its_requirements_from_pkg_info(tmp_path: Path) -> None:
    path = write_tar(tmp_path / "tiny-1.0.0.tar.gz", {"tiny-1.0.0/PKG-INFO": metadata("tiny", "1.0.0", ("mcp>=2",))})
    document = sbom(path, "sdist", tmp_path)
    assert document["metadata"]["component"]["purl"] == "pkg:pypi/tiny@1.0.0?file_name=tiny-1.0.0.tar.gz"
    assert properties(by_name(document)["mcp"])["mcpship:requirement"] == ">=2"


def test_an_npm_tarball_lists_the_lockfiles_production_packages_with_integrity_as_hashes(tmp_path: Path) -> None:
    (tmp_path / "package-lock.json").write_text(json.dumps(NPM_LOCK), encoding="utf-8")
    path = write_tar(tmp_path / "scope-tiny-1.0.0.tgz", {"package/package.json": package_json("@acme/tiny", "1.0.0")})
    document = sbom(path, "npm", tmp_path)
    assert document["metadata"]["component"]["purl"] == "pkg:npm/%40acme/tiny@1.0.0"
    components = by_name(document)
    assert sorted(components) == ["@scope/lib", "dep"]  # devtool is dev-only
    lib = components["@scope/lib"]
    assert lib["purl"] == "pkg:npm/%40scope/lib@2.0.0"
    assert lib["hashes"] == [{"alg": "SHA-512", "content": hashlib.sha512(b"lib").hexdigest()}]
    assert lib["externalReferences"][0]["url"] == "https://registry.example/@scope/lib/-/lib-2.0.0.tgz"


def test_an_npm_project_without_a_lock_records_package_json_ranges(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text(json.dumps({"dependencies": {"zod": "^3.0.0"}}), encoding="utf-8")
    path = write_tar(tmp_path / "tiny-1.0.0.tgz", {"package/package.json": package_json("tiny", "1.0.0")})
    zod = by_name(sbom(path, "npm", tmp_path))["zod"]
    assert "version" not in zod
    assert properties(zod)["mcpship:requirement"] == "^3.0.0"


def test_a_bundle_lists_the_packages_inside_it_with_the_locks_digests_where_they_match(tmp_path: Path) -> None:
    (tmp_path / "package-lock.json").write_text(json.dumps(NPM_LOCK), encoding="utf-8")
    path = write_zip(
        tmp_path / "tiny-1.0.0.mcpb",
        {
            "manifest.json": json.dumps({"name": "tiny", "version": "1.0.0"}).encode(),
            "server/node_modules/@scope/lib/package.json": package_json("@scope/lib", "2.0.0"),
            "server/node_modules/@scope/lib/lib/package.json": b'{"name": "not-a-package-root", "version": "0"}',
            "server/node_modules/@scope/lib/node_modules/dep/package.json": package_json("dep", "1.2.0"),
            "server/lib/pyyaml-6.0.dist-info/METADATA": metadata("PyYAML", "6.0"),
        },
    )
    document = sbom(path, "mcpb", tmp_path, platform="linux-x86_64")
    root = document["metadata"]["component"]
    assert root["purl"].startswith("pkg:generic/tiny@1.0.0?checksum=sha256:")
    assert properties(root)["mcpship:platform"] == "linux-x86_64"
    components = by_name(document)
    assert sorted(components) == ["@scope/lib", "PyYAML", "dep"]
    assert components["@scope/lib"]["hashes"][0]["alg"] == "SHA-512"  # the lock's entry, same path and version
    assert "hashes" not in components["dep"]  # bundled 1.2.0, locked 1.1.0: the lock's digest is not this one's
    assert components["PyYAML"]["purl"] == "pkg:pypi/pyyaml@6.0"
    assert {d["ref"] for d in document["dependencies"]} >= {root["bom-ref"]}


def test_an_image_names_its_digest_its_base_by_digest_and_the_packages_of_its_app_layer(tmp_path: Path) -> None:
    base = read_base_layout(tiny_base(tmp_path / "base"))
    layer = files_layer(
        tmp_path / "app.tar.gz",
        {
            "/app/main.py": b"print('hi')\n",
            "/app/lib/mcp-2.3.0.dist-info/METADATA": metadata("mcp", "2.3.0"),
            "/app/lib/tiny-1.0.0.dist-info/METADATA": metadata("tiny", "1.0.0"),
        },
        epoch=EPOCH,
    )
    image = write_image_layout(tmp_path / "layout", base, [layer], settings())
    path = tmp_path / "tiny-1.0.0.oci.tar"
    pack_layout_tar(image.layout, path, epoch=EPOCH)
    document = sbom(path, "oci", tmp_path, platform="linux-amd64")
    root = document["metadata"]["component"]
    assert root["type"] == "container"
    assert root["purl"] == f"pkg:oci/tiny@{image.manifest_digest}?tag=1.0.0"
    components = {c["name"]: c for c in document["components"]}
    assert components["mcp"]["version"] == "2.3.0"
    assert "tiny" in components  # the server's own package, as installed in the image
    (base_image,) = [c for c in document["components"] if c["type"] == "container"]
    assert base_image["version"] == base.manifest_digest
    assert properties(base_image)["mcpship:role"] == "base image"


def test_the_same_artifact_gives_the_same_bytes_and_another_a_different_serial_number(tmp_path: Path) -> None:
    inputs = SbomInputs(root=tmp_path, fallback_name="tiny", source_date_epoch=EPOCH)
    first = build_sbom(artifact(wheel(tmp_path, "mcp>=2"), "wheel"), inputs)
    assert build_sbom(artifact(wheel(tmp_path, "mcp>=2"), "wheel"), inputs) == first
    other = build_sbom(artifact(wheel(tmp_path, "mcp>=3"), "wheel"), inputs)
    assert json.loads(other)["serialNumber"] != json.loads(first)["serialNumber"]
    assert json.loads(first)["serialNumber"].startswith("urn:uuid:")


def test_a_document_the_schema_refuses_is_a_build_error_naming_it() -> None:
    broken = json.dumps({"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [{"name": "no type"}]})
    with pytest.raises(BuildError, match=r"the SBOM of x\.whl does not validate against the CycloneDX 1\.6 schema"):
        validate_sbom(broken, what="the SBOM of x.whl")


def test_an_unreadable_artifact_is_a_build_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "tiny-1.0.0.mcpb"
    path.write_bytes(b"not a zip")
    with pytest.raises(BuildError, match=r"cannot read .*tiny-1.0.0.mcpb to list what it contains"):
        build_sbom(artifact(path, "mcpb"), SbomInputs(root=tmp_path, fallback_name="tiny", source_date_epoch=EPOCH))
