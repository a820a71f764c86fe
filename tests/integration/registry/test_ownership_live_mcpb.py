"""MCPB ownership proofs against a real HTTP server: the bundle is downloaded and its SHA-256 compared."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Iterator

import httpx
import pytest

from mcpship.registry.config import OwnershipSettings
from mcpship.registry.ownership import check_ownership
from tests.registry_support.package_registries import running_file_server

pytestmark = pytest.mark.timeout(60)

NAME = "io.github.test/x"
BUNDLE = b"PK\x05\x06" + bytes(18) + b"a stand-in for an mcpb zip" * 4096


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    files = tmp_path_factory.mktemp("downloads") / "releases"
    files.mkdir()
    (files / "tiny-mcp-1.0.0.mcpb").write_bytes(BUNDLE)
    (files / "tiny-1.0.0.bundle").write_bytes(BUNDLE)
    with running_file_server(files) as url:
        yield url


def check(base: str, url: str, sha256: str, *, hosts: tuple[str, ...] | None = None) -> list[str]:
    server = {"name": NAME, "packages": [{"registryType": "mcpb", "identifier": url, "fileSha256": sha256}]}
    settings = OwnershipSettings(mcpb_hosts=hosts if hosts is not None else ("github.com", base))

    async def run() -> list[str]:
        async with httpx.AsyncClient() as client:
            return await check_ownership(server, settings, client)

    return asyncio.run(run())


RIGHT = hashlib.sha256(BUNDLE).hexdigest()


def test_a_bundle_whose_hash_matches_file_sha256_is_accepted(base: str) -> None:
    assert check(base, f"{base}/tiny-mcp-1.0.0.mcpb", RIGHT) == []


def test_a_bundle_whose_hash_differs_is_refused_with_the_real_hash(base: str) -> None:
    [message] = check(base, f"{base}/tiny-mcp-1.0.0.mcpb", "0" * 64)
    assert message.startswith(f"registry validation failed for package 0 ({base}/tiny-mcp-1.0.0.mcpb): ")
    assert f"its SHA-256 is {RIGHT}, {len(BUNDLE)} bytes" in message


def test_a_missing_bundle_is_reported_as_not_accessible(base: str) -> None:
    [message] = check(base, f"{base}/gone-mcp-1.0.0.mcpb", RIGHT)
    assert "is not publicly accessible (status: 404)" in message


def test_plain_http_needs_a_host_entry_that_says_http(base: str) -> None:
    [message] = check(base, f"{base}/tiny-mcp-1.0.0.mcpb", RIGHT, hosts=(base.removeprefix("http://"),))
    assert "must be an https download from an accepted host" in message


def test_a_url_without_mcp_in_it_is_refused_as_upstream_does(base: str) -> None:
    [message] = check(base, f"{base}/tiny-1.0.0.bundle", RIGHT)
    assert "must contain 'mcp'" in message


def test_a_download_from_a_host_not_listed_is_refused(base: str) -> None:
    [message] = check(base, "https://example.com/mcp/tiny-mcp-1.0.0.mcpb", RIGHT)
    assert "accepted host" in message
