"""NuGet proofs over MockTransport (no NuGet feed runs on this machine): service index, README, diagnosis."""

from __future__ import annotations

import httpx
import pytest

from tests.unit.registry.test_ownership import NAME, run_check

FLAT = "https://api.nuget.org/v3-flatcontainer/"
SERVICE_INDEX = {
    "version": "3.0.0",
    "resources": [
        {"@id": FLAT, "@type": "PackageBaseAddress/3.0.0"},
        {"@id": FLAT + "{lower_id}/{lower_version}/readme", "@type": "ReadmeUriTemplate/6.13.0"},
    ],
}


def nuget(version: str = "1.0.0-Beta") -> list[dict[str, str]]:
    return [{"registryType": "nuget", "identifier": "Acme.Tiny.Mcp", "version": version}]


def feed(readme: str | None, versions: list[str] | None = None) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        if url == "https://api.nuget.org/v3/index.json":
            return httpx.Response(200, json=SERVICE_INDEX)
        if url == FLAT + "acme.tiny.mcp/1.0.0-beta/readme" and readme is not None:
            return httpx.Response(200, text=readme)
        if url == FLAT + "acme.tiny.mcp/index.json" and versions is not None:
            return httpx.Response(200, json={"versions": versions})
        return httpx.Response(404)

    return httpx.MockTransport(handle)


def test_a_readme_naming_the_server_proves_ownership_lowercasing_id_and_version() -> None:
    messages, seen = run_check(nuget(), feed(f"# Tiny\n<!-- mcp-name: {NAME} -->").handle_request)
    assert messages == []
    assert str(seen[-1].url) == FLAT + "acme.tiny.mcp/1.0.0-beta/readme"


def test_a_readme_without_the_marker_says_what_to_add() -> None:
    [message], _ = run_check(nuget(), feed("# Tiny").handle_request)
    assert message.startswith("registry validation failed for package 0 (Acme.Tiny.Mcp): ")
    assert f"<!-- mcp-name: {NAME} -->" in message


@pytest.mark.parametrize(
    ("versions", "reason"),
    [
        (None, "NuGet package 'Acme.Tiny.Mcp' not found"),
        (["0.9.0"], "has no version 1.0.0-beta"),
        (["0.9.0", "1.0.0-beta"], "1.0.0-beta has no README"),
    ],
)
def test_a_missing_readme_is_explained(versions: list[str] | None, reason: str) -> None:
    [message], _ = run_check(nuget(), feed(None, versions).handle_request)
    assert reason in message


def test_only_nuget_org_is_accepted_as_base_url() -> None:
    package = {**nuget()[0], "registryBaseUrl": "https://nuget.example/v3/index.json"}
    [message], seen = run_check([package], feed("").handle_request)
    assert "Expected: https://api.nuget.org/v3/index.json" in message
    assert seen == []
