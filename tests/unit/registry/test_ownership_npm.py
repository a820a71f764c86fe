"""npm proofs over MockTransport: URL encoding of scoped names, the version manifest, odd answers."""

from __future__ import annotations

import httpx
import pytest

from mcpship.registry.config import OwnershipSettings
from mcpship.registry.ownership.npm import packument_url
from tests.unit.registry.test_ownership import NAME, run_check


def npm(identifier: str = "@acme/tiny-mcp", version: str = "1.0.0") -> list[dict[str, str]]:
    return [{"registryType": "npm", "identifier": identifier, "version": version}]


def version_manifest(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"name": "x", "version": "1.0.0", "mcpName": NAME})


def test_a_scoped_name_travels_as_one_path_segment_followed_by_the_version() -> None:
    assert packument_url("https://registry.npmjs.org/", "@acme/tiny") == "https://registry.npmjs.org/@acme%2Ftiny"
    _, [request] = run_check(npm(), version_manifest)
    assert request.url.raw_path == b"/@acme%2Ftiny-mcp/1.0.0"


def test_the_full_version_manifest_is_asked_for_since_the_abbreviated_one_drops_mcp_name() -> None:
    _, [request] = run_check(npm(), version_manifest)
    assert request.headers["Accept"] == "application/json"


def test_the_configured_registry_is_used_and_a_missing_version_asks_for_latest() -> None:
    settings = OwnershipSettings(npm_url="http://127.0.0.1:4873/")
    [message], requests = run_check(npm("tiny"), lambda r: httpx.Response(404), settings)
    assert [str(r.url) for r in requests] == ["http://127.0.0.1:4873/tiny/1.0.0", "http://127.0.0.1:4873/tiny/latest"]
    assert "NPM package 'tiny' not found on http://127.0.0.1:4873 (status: 404)" in message


def test_a_version_never_published_names_the_latest_one() -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/latest"):
            return httpx.Response(200, json={"name": "tiny", "version": "2.0.0", "mcpName": NAME})
        return httpx.Response(404, text="version not found: 1.0.0")

    [message], _ = run_check(npm("tiny"), handle)
    assert "NPM package 'tiny' has no version 1.0.0 (latest is 2.0.0)" in message


def test_a_version_without_mcp_name_is_refused() -> None:
    [message], _ = run_check(npm(), lambda r: httpx.Response(200, json={"name": "x", "version": "1.0.0"}))
    assert "is missing required 'mcpName' field" in message


@pytest.mark.parametrize("body", ["<html>maintenance</html>", '{"version": NaN}', "[" * 100_000, '["a"]'])
def test_an_answer_that_is_not_a_version_manifest_is_refused(body: str) -> None:
    [message], _ = run_check(npm(), lambda r: httpx.Response(200, text=body))
    assert "is not an npm version manifest" in message


def test_a_server_error_names_the_status() -> None:
    [message], _ = run_check(npm(), lambda r: httpx.Response(503))
    assert "answered status 503" in message
