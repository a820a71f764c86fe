"""npm proofs over MockTransport: URL encoding of scoped names, the full document, odd answers."""

from __future__ import annotations

import httpx

from mcpship.registry.config import OwnershipSettings
from mcpship.registry.ownership.npm import packument_url
from tests.unit.registry.test_ownership import NAME, run_check


def npm(identifier: str = "@acme/tiny-mcp", version: str = "1.0.0") -> list[dict[str, str]]:
    return [{"registryType": "npm", "identifier": identifier, "version": version}]


def test_a_scoped_name_travels_as_one_path_segment() -> None:
    assert packument_url("https://registry.npmjs.org/", "@acme/tiny") == "https://registry.npmjs.org/@acme%2Ftiny"
    _, [request] = run_check(npm(), lambda r: httpx.Response(200, json={"versions": {"1.0.0": {"mcpName": NAME}}}))
    assert request.url.raw_path == b"/@acme%2Ftiny-mcp"


def test_the_full_document_is_asked_for_since_the_abbreviated_one_drops_mcp_name() -> None:
    _, [request] = run_check(npm(), lambda r: httpx.Response(200, json={"versions": {"1.0.0": {"mcpName": NAME}}}))
    assert request.headers["Accept"] == "application/json"


def test_the_configured_registry_is_used() -> None:
    settings = OwnershipSettings(npm_url="http://127.0.0.1:4873/")
    _, [request] = run_check(npm("tiny"), lambda r: httpx.Response(404), settings)
    assert str(request.url) == "http://127.0.0.1:4873/tiny"


def test_mcp_name_of_another_version_does_not_count() -> None:
    document = {"dist-tags": {"latest": "2.0.0"}, "versions": {"1.0.0": {}, "2.0.0": {"mcpName": NAME}}}
    [message], _ = run_check(npm(), lambda r: httpx.Response(200, json=document))
    assert "is missing required 'mcpName' field" in message


def test_an_answer_that_is_not_a_package_document_is_refused() -> None:
    [message], _ = run_check(npm(), lambda r: httpx.Response(200, text="<html>maintenance</html>"))
    assert "is not an npm package document" in message


def test_a_server_error_names_the_status() -> None:
    [message], _ = run_check(npm(), lambda r: httpx.Response(503))
    assert "answered status 503" in message
