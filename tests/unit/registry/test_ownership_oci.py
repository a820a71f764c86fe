"""OCI proofs over MockTransport: references, allowed registries, the anonymous token dance, indexes, 429."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import httpx
import pytest

from mcpship.registry.config import OwnershipSettings
from mcpship.registry.ownership._common import OwnershipError
from mcpship.registry.ownership.oci import MCP_NAME_LABEL, ImageReference, parse_reference
from tests.unit.registry.test_ownership import NAME, run_check

CONFIG = json.dumps({"architecture": "amd64", "os": "linux", "config": {"Labels": {MCP_NAME_LABEL: NAME}}}).encode()
CONFIG_DIGEST = "sha256:" + hashlib.sha256(CONFIG).hexdigest()
MANIFEST = {
    "schemaVersion": 2,
    "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": CONFIG_DIGEST, "size": len(CONFIG)},
    "layers": [],
}
AMD64 = "sha256:" + hashlib.sha256(json.dumps(MANIFEST).encode()).hexdigest()


def oci(identifier: str) -> list[dict[str, str]]:
    return [{"registryType": "oci", "identifier": identifier}]


def registry(*, manifest: dict[str, Any] = MANIFEST, config: bytes = CONFIG) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        if "/manifests/" in request.url.path:
            body = json.dumps(manifest).encode()
            return httpx.Response(200, content=body, headers={"Content-Type": manifest["mediaType"]})
        if request.url.path.endswith(f"/blobs/{CONFIG_DIGEST}"):
            return httpx.Response(200, content=config)
        return httpx.Response(404)

    return httpx.MockTransport(handle)


@pytest.mark.parametrize(
    ("identifier", "expected"),
    [
        ("ghcr.io/acme/tiny:1.0.0", ImageReference("ghcr.io", "acme/tiny", "1.0.0")),
        ("docker.io/tiny:1.0", ImageReference("docker.io", "library/tiny", "1.0")),
        ("127.0.0.1:5000/a/b/c:v1", ImageReference("127.0.0.1:5000", "a/b/c", "v1")),
        (f"quay.io/acme/tiny:1.0@{AMD64}", ImageReference("quay.io", "acme/tiny", AMD64)),
    ],
)
def test_full_references_are_parsed(identifier: str, expected: ImageReference) -> None:
    assert parse_reference(identifier) == expected


@pytest.mark.parametrize(
    ("identifier", "expected"),
    [
        ("acme/tiny:1.0", ImageReference("docker.io", "acme/tiny", "1.0")),
        ("tiny", ImageReference("docker.io", "library/tiny", "latest")),
        ("localhost/tiny:2", ImageReference("localhost", "tiny", "2")),
        ("ghcr.io/acme/tiny", ImageReference("ghcr.io", "acme/tiny", "latest")),
    ],
)
def test_short_references_are_read_as_docker_tools_read_them(identifier: str, expected: ImageReference) -> None:
    assert parse_reference(identifier) == expected


@pytest.mark.parametrize("identifier", ["ghcr.io/Acme/tiny:1", "ghcr.io/acme/tiny:", "ghcr.io//tiny", "a b"])
def test_malformed_references_are_refused(identifier: str) -> None:
    with pytest.raises(OwnershipError, match="is not an image reference"):
        parse_reference(identifier)


def test_docker_hub_images_are_pulled_from_its_api_host() -> None:
    assert parse_reference("docker.io/acme/tiny:1").api_host == "registry-1.docker.io"
    messages, seen = run_check(oci("docker.io/acme/tiny:1.0.0"), registry().handle_request)
    assert messages == []
    assert str(seen[0].url) == "https://registry-1.docker.io/v2/acme/tiny/manifests/1.0.0"


def test_wildcard_registries_admit_their_subdomains_only() -> None:
    assert run_check(oci("us-docker.pkg.dev/p/r/tiny:1"), registry().handle_request)[0] == []
    [message], seen = run_check(oci("pkg.dev.evil.example/p/tiny:1"), registry().handle_request)
    assert "image registry 'pkg.dev.evil.example' is not accepted here" in message
    assert seen == []


def test_insecure_registries_are_reached_over_http() -> None:
    settings = OwnershipSettings(oci_registries=("localhost:5000",), oci_insecure=("localhost:5000",))
    _, seen = run_check(oci("localhost:5000/tiny:1"), registry().handle_request, settings)
    assert str(seen[0].url) == "http://localhost:5000/v2/tiny/manifests/1"


def test_a_bearer_challenge_is_answered_with_an_anonymous_token() -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.host == "auth.docker.io":
            assert request.url.params["scope"] == "repository:acme/tiny:pull"
            assert request.url.params["service"] == "ghcr.io"
            assert "Authorization" not in request.headers
            return httpx.Response(200, json={"token": "anon-token"})
        if request.headers.get("Authorization") != "Bearer anon-token":
            challenge = (
                'Bearer realm="https://auth.docker.io/token",service="ghcr.io",scope="repository:acme/tiny:pull"'
            )
            return httpx.Response(401, headers={"WWW-Authenticate": challenge})
        return registry().handle_request(request)

    messages, seen = run_check(oci("ghcr.io/acme/tiny:1.0.0"), handle)
    assert messages == []
    assert [r.url.host for r in seen] == ["ghcr.io", "auth.docker.io", "ghcr.io", "ghcr.io"]  # one token, reused


def test_a_registry_that_wants_credentials_is_refused_as_not_public() -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, headers={"WWW-Authenticate": 'Basic realm="private"'})

    [message], _ = run_check(oci("ghcr.io/acme/tiny:1.0.0"), handle)
    assert "requires credentials to pull; make the image public" in message


def test_a_refused_anonymous_token_is_reported() -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.host == "auth.docker.io":
            return httpx.Response(403)
        return httpx.Response(401, headers={"WWW-Authenticate": 'Bearer realm="https://auth.docker.io/token"'})

    [message], _ = run_check(oci("ghcr.io/acme/tiny:1.0.0"), handle)
    assert "anonymous pull refused by https://auth.docker.io/token (status: 403)" in message


@pytest.mark.parametrize("where", ["manifest", "token"])
def test_a_rate_limited_registry_skips_the_check_as_upstream_does(where: str) -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        if where == "token" and request.url.host != "auth.docker.io":
            return httpx.Response(401, headers={"WWW-Authenticate": 'Bearer realm="https://auth.docker.io/token"'})
        return httpx.Response(429)

    assert run_check(oci("ghcr.io/acme/tiny:1.0.0"), handle)[0] == []


def index(*platforms: tuple[str, str]) -> dict[str, Any]:
    entries = [
        {"mediaType": MANIFEST["mediaType"], "digest": AMD64 if arch == "amd64" else "sha256:" + "b" * 64,
         "size": 1, "platform": {"os": os, "architecture": arch}}
        for os, arch in platforms
    ]  # fmt: skip
    return {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": entries}


def test_an_index_is_read_at_its_linux_amd64_image() -> None:
    multi = index(("unknown", "unknown"), ("linux", "arm64"), ("linux", "amd64"))

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/manifests/1.0.0"):
            return httpx.Response(200, content=json.dumps(multi).encode(), headers={"Content-Type": multi["mediaType"]})
        return registry().handle_request(request)

    messages, seen = run_check(oci("ghcr.io/acme/tiny:1.0.0"), handle)
    assert messages == []
    assert seen[1].url.path == f"/v2/acme/tiny/manifests/{AMD64}"


def test_an_index_without_linux_amd64_says_which_platforms_it_has() -> None:
    arm_only = registry(manifest=index(("linux", "arm64")))
    [message], _ = run_check(oci("ghcr.io/acme/tiny:1.0.0"), arm_only.handle_request)
    assert "has no linux/amd64 image (platforms: linux/arm64)" in message


def test_a_config_blob_that_does_not_match_its_digest_is_refused() -> None:
    [message], _ = run_check(oci("ghcr.io/acme/tiny:1.0.0"), registry(config=CONFIG + b" ").handle_request)
    assert "does not match its digest" in message


def test_a_manifest_without_config_is_refused() -> None:
    bare = {**MANIFEST, "config": None}
    [message], _ = run_check(oci("ghcr.io/acme/tiny:1.0.0"), registry(manifest=bare).handle_request)
    assert "names no config blob" in message


def test_a_manifest_that_does_not_match_the_pinned_digest_is_refused() -> None:
    other = "sha256:" + "c" * 64
    [message], _ = run_check(oci(f"ghcr.io/acme/tiny@{other}"), registry().handle_request)
    assert f"the manifest does not match {other}" in message


def test_a_manifest_pinned_by_its_digest_is_accepted() -> None:
    assert run_check(oci(f"ghcr.io/acme/tiny@{AMD64}"), registry().handle_request)[0] == []
