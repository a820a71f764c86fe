"""MCPB proofs over MockTransport: accepted hosts (with ports and schemes), forge path rules, the hash."""

from __future__ import annotations

import hashlib

import httpx
import pytest

from mcpship.registry.config import OwnershipSettings
from mcpship.registry.ownership.mcpb import host_allows
from tests.unit.registry.test_ownership import run_check

BUNDLE = b"bundle bytes" * 1000
SHA = hashlib.sha256(BUNDLE).hexdigest()
RELEASE = "https://github.com/acme/tiny-mcp/releases/download/v1.0.0/tiny.mcpb"


def mcpb(url: str, sha: str = SHA) -> list[dict[str, str]]:
    return [{"registryType": "mcpb", "identifier": url, "fileSha256": sha}]


def serve(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, content=BUNDLE)


@pytest.mark.parametrize(
    ("entry", "url", "allowed"),
    [
        ("github.com", "https://github.com/a/b", True),
        ("github.com", "http://github.com/a/b", False),
        ("github.com", "https://github.com:8443/a/b", False),
        ("127.0.0.1:18000", "https://127.0.0.1:18000/x", True),
        ("127.0.0.1:18000", "http://127.0.0.1:18000/x", False),
        ("127.0.0.1:18000", "https://127.0.0.1:18001/x", False),
        ("http://127.0.0.1:18000", "http://127.0.0.1:18000/x", True),
        ("http://127.0.0.1:18000", "https://127.0.0.1:18000/x", True),
        ("http://127.0.0.1:18000", "http://127.0.0.1/x", False),
        ("GitHub.com", "https://GITHUB.com/a/b", True),
    ],
)
def test_a_host_entry_admits_exactly_its_host_port_and_scheme(entry: str, url: str, allowed: bool) -> None:
    assert host_allows(entry, httpx.URL(url)) is allowed


def test_a_github_release_download_is_fetched_following_its_redirect_to_githubs_asset_host_and_hashed() -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.host == "github.com":
            return httpx.Response(302, headers={"Location": "https://release-assets.githubusercontent.com/s?x=1"})
        return serve(request)

    messages, seen = run_check(mcpb(RELEASE), handle)
    assert messages == []
    assert [r.url.host for r in seen] == ["github.com", "release-assets.githubusercontent.com"]


@pytest.mark.parametrize(
    "url",
    [
        "https://github.com/acme/tiny-mcp/raw/main/tiny.mcpb",
        "https://github.com/acme/tiny-mcp/releases/tag/v1.0.0",
        "https://gitlab.com/acme/tiny-mcp/-/raw/main/tiny.mcpb",
    ],
)
def test_forge_urls_other_than_release_downloads_are_refused(url: str) -> None:
    [message], seen = run_check(mcpb(url), serve)
    assert "must be a release download" in message
    assert seen == []


@pytest.mark.parametrize(
    "url",
    [
        "https://gitlab.com/group/sub/tiny-mcp/-/releases/v1/downloads/tiny.mcpb",
        "https://gitlab.com/acme/tiny-mcp/-/package_files/123/download",
    ],
)
def test_gitlab_release_and_package_file_downloads_are_accepted(url: str) -> None:
    assert run_check(mcpb(url), serve)[0] == []


def test_a_bundle_needs_a_well_formed_file_sha256() -> None:
    [message], seen = run_check(mcpb(RELEASE, SHA.upper()), serve)
    assert "need fileSha256" in message
    assert seen == []


def test_a_mismatching_hash_names_both_hashes() -> None:
    [message], _ = run_check(mcpb(RELEASE, "0" * 64), serve)
    assert f"fileSha256 {'0' * 64} does not match the file at {RELEASE} (its SHA-256 is {SHA}" in message


def test_downloads_stop_at_the_size_limit() -> None:
    [message], _ = run_check(mcpb(RELEASE), serve, OwnershipSettings(max_file_bytes=1000))
    assert message.endswith(f"MCPB package at {RELEASE} exceeds 1000 bytes, the most this registry downloads")
