"""npm ownership proofs against a real verdaccio (no uplinks) holding packages published with ``npm publish``."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mcpship.registry.config import OwnershipSettings
from mcpship.registry.ownership import check_ownership
from tests.registry_support.package_registries import VerdaccioServer, running_verdaccio

pytestmark = pytest.mark.timeout(120)

NAME = "io.github.test/x"


def package(workdir: Path, name: str, version: str, **extra: str) -> Path:
    folder = workdir / f"{name.replace('/', '+')}-{version}"
    folder.mkdir(parents=True)
    manifest = {"name": name, "version": version, "license": "MIT", "main": "index.js", **extra}
    (folder / "package.json").write_text(json.dumps(manifest, indent=2))
    (folder / "index.js").write_text("module.exports = {};\n")
    return folder


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VerdaccioServer]:
    work = tmp_path_factory.mktemp("npm")
    with running_verdaccio(work / "verdaccio") as server:
        first = package(work, "tiny-owned", "0.1.0", mcpName=NAME)
        server.publish(first, package(work, "@scope/tiny-scoped", "1.0.0", mcpName=NAME))
        server.publish(package(work, "tiny-owned", "0.2.0"))
        yield server


def check(registry: VerdaccioServer, server_name: str, identifier: str, version: str, **extra: str) -> list[str]:
    server = {
        "name": server_name,
        "packages": [{"registryType": "npm", "identifier": identifier, "version": version, **extra}],
    }

    async def run() -> list[str]:
        async with httpx.AsyncClient() as client:
            return await check_ownership(server, OwnershipSettings(npm_url=registry.url), client)

    return asyncio.run(run())


def test_a_version_whose_mcp_name_is_the_server_proves_ownership(registry: VerdaccioServer) -> None:
    assert check(registry, NAME, "tiny-owned", "0.1.0") == []


def test_a_scoped_package_is_found_and_proven(registry: VerdaccioServer) -> None:
    assert check(registry, NAME, "@scope/tiny-scoped", "1.0.0") == []


def test_an_mcp_name_for_another_server_is_refused(registry: VerdaccioServer) -> None:
    [message] = check(registry, "io.github.test/other", "tiny-owned", "0.1.0")
    assert message.startswith("registry validation failed for package 0 (tiny-owned): ")
    assert f"Expected mcpName 'io.github.test/other', got '{NAME}'" in message


def test_a_version_without_mcp_name_says_what_to_add(registry: VerdaccioServer) -> None:
    [message] = check(registry, NAME, "tiny-owned", "0.2.0")
    assert f'"mcpName": "{NAME}"' in message
    assert "new npm version" in message


def test_a_version_that_was_never_published_is_refused(registry: VerdaccioServer) -> None:
    [message] = check(registry, NAME, "tiny-owned", "9.9.9")
    assert "has no version 9.9.9 (latest is 0.2.0)" in message


def test_an_unknown_package_is_reported_as_not_found(registry: VerdaccioServer) -> None:
    [message] = check(registry, NAME, "@scope/never-published", "1.0.0")
    assert "NPM package '@scope/never-published' not found" in message


def test_a_registry_base_url_other_than_the_configured_one_is_refused(registry: VerdaccioServer) -> None:
    [message] = check(registry, NAME, "tiny-owned", "0.1.0", registryBaseUrl="https://registry.npmjs.org")
    assert f"Expected: {registry.url}" in message
