"""``push_oci_image`` against an in-memory registry behind ``httpx.MockTransport``: the token dance, blobs
skipped when present, chunk boundaries, the manifest PUT, and refusals turned into PublishError."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from mcpship._exceptions import PublishError, UsageError
from mcpship.channels import ImageReference, PushProgress, parse_image_reference, push_oci_image
from mcpship.targets.oci import LayoutWriter, pack_layout_tar
from mcpship.targets.oci.layout import CONFIG_MEDIA_TYPE, MANIFEST_MEDIA_TYPE, REF_NAME, canonical_json

LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"


@dataclass
class FakeRegistry:
    """Just enough of the distribution API, recording every request."""

    token: str | None = None
    """When set, every /v2 request needs ``Bearer <token>``; the token service wants user:secret."""
    basic: bool = False
    known_names: set[str] | None = None
    blobs: dict[str, bytes] = field(default_factory=dict)
    manifests: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    uploads: dict[str, bytearray] = field(default_factory=dict)
    requests: list[httpx.Request] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path
        if path == "/token":
            return self._token(request)
        if (refused := self._authorize(request)) is not None:
            return refused
        if path == "/v2/":
            return httpx.Response(200, json={})
        name, _, rest = path.removeprefix("/v2/").partition("/blobs/")
        if not rest:
            name, _, rest = path.removeprefix("/v2/").partition("/manifests/")
            return self._manifest(request, name, rest)
        if self.known_names is not None and name not in self.known_names:
            return _error(404, "NAME_UNKNOWN", "repository name not known to registry")
        return self._blob(request, name, rest)

    def _token(self, request: httpx.Request) -> httpx.Response:
        expected = "Basic " + base64.b64encode(b"user:secret").decode()
        if request.headers.get("Authorization") != expected:
            return httpx.Response(401, json={"details": "bad credentials"})
        return httpx.Response(200, json={"token": self.token})

    def _authorize(self, request: httpx.Request) -> httpx.Response | None:
        given = request.headers.get("Authorization")
        if self.token is not None and given != f"Bearer {self.token}":
            challenge = 'Bearer realm="https://auth.example/token",service="reg.example",scope="repository:acme/notes:pull,push"'
            return _error(401, "UNAUTHORIZED", "authentication required", {"WWW-Authenticate": challenge})
        if self.basic and given != "Basic " + base64.b64encode(b"user:secret").decode():
            return _error(401, "UNAUTHORIZED", "authentication required", {"WWW-Authenticate": 'Basic realm="reg"'})
        return None

    def _blob(self, request: httpx.Request, name: str, rest: str) -> httpx.Response:
        if request.method == "HEAD":
            return httpx.Response(200 if rest in self.blobs else 404)
        if request.method == "POST" and "mount" in request.url.params:
            digest = request.url.params["mount"]
            if digest in self.blobs:
                return httpx.Response(201, headers={"Location": f"/v2/{name}/blobs/{digest}"})
        if request.method == "POST":
            uid = f"u{len(self.sent('POST')) - 1}"
            self.uploads[uid] = bytearray()
            return httpx.Response(202, headers={"Location": f"/v2/{name}/blobs/uploads/{uid}?_state=s-{uid}"})
        uid = rest.removeprefix("uploads/")
        assert request.url.params["_state"] == f"s-{uid}", "the upload's state was dropped from the URL"
        if request.method == "PATCH":
            start, end = (int(x) for x in request.headers["Content-Range"].split("-"))
            assert (start, end - start + 1) == (len(self.uploads[uid]), len(request.content))
            self.uploads[uid] += request.content
            return httpx.Response(202, headers={"Location": f"/v2/{name}/blobs/uploads/{uid}?_state=s-{uid}"})
        digest = request.url.params["digest"]
        data = bytes(self.uploads.pop(uid))
        if "sha256:" + hashlib.sha256(data).hexdigest() != digest:
            return _error(400, "DIGEST_INVALID", "provided digest did not match uploaded content")
        self.blobs[digest] = data
        return httpx.Response(201, headers={"Docker-Content-Digest": digest})

    def _manifest(self, request: httpx.Request, name: str, reference: str) -> httpx.Response:
        if self.known_names is not None and name not in self.known_names:
            return _error(404, "NAME_UNKNOWN", "repository name not known to registry")
        document = json.loads(request.content)
        for blob in [document["config"], *document["layers"]]:
            if blob["digest"] not in self.blobs:
                return _error(400, "MANIFEST_BLOB_UNKNOWN", "blob unknown to registry")
        digest = "sha256:" + hashlib.sha256(request.content).hexdigest()
        self.manifests[reference] = (request.headers["Content-Type"], request.content)
        return httpx.Response(201, headers={"Docker-Content-Digest": digest})

    def sent(self, method: str) -> list[httpx.Request]:
        return [r for r in self.requests if r.method == method]


def _error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json={"errors": [{"code": code, "message": message}]}, headers=headers)


@dataclass(frozen=True)
class Image:
    layout: Path
    manifest_digest: str
    manifest: bytes
    layer_sizes: tuple[int, ...]


def make_image(directory: Path, layer_sizes: tuple[int, ...] = (10, 25)) -> Image:
    writer = LayoutWriter(directory)
    layers = [writer.add_bytes(bytes([n + 1]) * size, LAYER) for n, size in enumerate(layer_sizes)]
    config = writer.add_bytes(canonical_json({"architecture": "amd64", "os": "linux"}), CONFIG_MEDIA_TYPE)
    manifest = {"schemaVersion": 2, "mediaType": MANIFEST_MEDIA_TYPE, "config": config, "layers": layers}
    descriptor = writer.add_bytes(canonical_json(manifest), MANIFEST_MEDIA_TYPE)
    writer.write_index(descriptor, {REF_NAME: "0.1.0"})
    return Image(directory, descriptor["digest"], canonical_json(manifest), layer_sizes)


@pytest.fixture(autouse=True)
def no_docker_login(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An empty ``$DOCKER_CONFIG``: the pushes never use the machine's own ``docker login``."""
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "no-docker-config"))


@pytest.fixture
def image(tmp_path: Path) -> Image:
    return make_image(tmp_path / "layout")


def test_a_push_uploads_every_blob_in_chunks_then_the_manifest(image: Image) -> None:
    registry = FakeRegistry()
    seen: list[PushProgress] = []
    result = push_oci_image(
        image.layout,
        "127.0.0.1:5000/acme/notes:1.0",
        chunk_size=8,
        transport=httpx.MockTransport(registry),
        progress=seen.append,
    )
    assert result.reference == f"127.0.0.1:5000/acme/notes:1.0@{image.manifest_digest}"
    assert (result.digest, result.tag) == (image.manifest_digest, "1.0")
    assert (result.blobs_uploaded, result.blobs_skipped) == (3, 0)
    config_size = len(canonical_json({"architecture": "amd64", "os": "linux"}))
    assert result.bytes_uploaded == 10 + 25 + config_size
    assert all(r.url.scheme == "http" for r in registry.requests)  # localhost: plain HTTP is allowed
    ranges: dict[str, list[str]] = {}  # per upload session; u0 is the config, pushed first
    for patch in registry.sent("PATCH"):
        ranges.setdefault(patch.url.path, []).append(patch.headers["Content-Range"])
    assert ranges["/v2/acme/notes/blobs/uploads/u1"] == ["0-7", "8-9"]  # 10 bytes: a full chunk, then the rest
    assert ranges["/v2/acme/notes/blobs/uploads/u2"] == ["0-7", "8-15", "16-23", "24-24"]  # 25 bytes
    assert registry.manifests["1.0"] == (MANIFEST_MEDIA_TYPE, image.manifest)
    assert seen[-1].done == seen[-1].total == result.bytes_uploaded


def test_blobs_the_registry_has_are_not_sent_again(image: Image) -> None:
    registry = FakeRegistry()
    transport = httpx.MockTransport(registry)
    push_oci_image(image.layout, "localhost:5000/acme/notes:1.0", transport=transport)
    registry.requests.clear()
    again = push_oci_image(image.layout, "localhost:5000/acme/notes:1.1", transport=transport)
    assert (again.blobs_uploaded, again.blobs_skipped, again.bytes_uploaded) == (0, 3, 0)
    assert registry.sent("POST") == registry.sent("PATCH") == []
    assert [r.url.path for r in registry.sent("PUT")] == ["/v2/acme/notes/manifests/1.1"]


def test_the_layout_tag_is_the_default_tag_and_an_archive_works_too(image: Image, tmp_path: Path) -> None:
    archive = tmp_path / "notes-0.1.0.oci.tar"
    pack_layout_tar(image.layout, archive, epoch=0)
    registry = FakeRegistry()
    result = push_oci_image(archive, ImageReference("127.0.0.1:5000", "notes"), transport=httpx.MockTransport(registry))
    assert result.tag == "0.1.0"
    assert "0.1.0" in registry.manifests


def test_the_bearer_token_dance_with_credentials(image: Image) -> None:
    registry = FakeRegistry(token="t0k")
    result = push_oci_image(
        image.layout,
        "reg.example/acme/notes:1.0",
        username="user",
        password="secret",
        transport=httpx.MockTransport(registry),
    )
    assert result.blobs_uploaded == 3
    token_requests = [r for r in registry.requests if r.url.path == "/token"]
    assert len(token_requests) == 1  # fetched once, reused for every later request
    assert token_requests[0].url.params["scope"] == "repository:acme/notes:pull,push"
    assert token_requests[0].url.params["service"] == "reg.example"
    registry_requests = [r for r in registry.requests if r.url.host == "reg.example"]
    assert all(r.url.scheme == "https" for r in registry_requests)  # a remote registry: HTTPS only
    assert registry_requests[-1].headers["Authorization"] == "Bearer t0k"


def test_without_a_username_the_docker_login_credentials_are_used(
    image: Image, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    auth = base64.b64encode(b"user:secret").decode()
    (tmp_path / "config.json").write_text(json.dumps({"auths": {"https://reg.example": {"auth": auth}}}))
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    registry = FakeRegistry(token="t0k")
    result = push_oci_image(image.layout, "reg.example/acme/notes:1.0", transport=httpx.MockTransport(registry))
    assert result.blobs_uploaded == 3
    (token_request,) = [r for r in registry.requests if r.url.path == "/token"]
    assert token_request.headers["Authorization"] == "Basic " + auth


def test_plain_basic_auth(image: Image) -> None:
    registry = FakeRegistry(basic=True)
    result = push_oci_image(
        image.layout, "reg.example/acme/notes:1.0", username="user", password="secret", insecure=True,
        transport=httpx.MockTransport(registry),
    )  # fmt: skip
    assert result.blobs_uploaded == 3
    assert all(r.url.scheme == "http" for r in registry.requests)  # insecure: plain HTTP for a remote host


def test_a_401_without_credentials_asks_to_log_in(image: Image) -> None:
    registry = FakeRegistry(basic=True)
    with pytest.raises(PublishError) as caught:
        push_oci_image(image.layout, "reg.example/acme/notes:1.0", transport=httpx.MockTransport(registry))
    assert caught.value.exit_code == 11
    assert "wants credentials" in caught.value.message
    assert "log in" in (caught.value.hint or "")


def test_rejected_credentials_at_the_token_service(image: Image) -> None:
    registry = FakeRegistry(token="t0k")
    with pytest.raises(PublishError, match="rejected the credentials") as caught:
        push_oci_image(
            image.layout, "reg.example/acme/notes:1.0", username="user", password="wrong",
            transport=httpx.MockTransport(registry),
        )  # fmt: skip
    assert "--username" in (caught.value.hint or "")


def test_an_unknown_repository_says_so(image: Image) -> None:
    registry = FakeRegistry(known_names={"acme/other"})
    with pytest.raises(PublishError, match="does not know this repository") as caught:
        push_oci_image(image.layout, "127.0.0.1:5000/acme/notes:1.0", transport=httpx.MockTransport(registry))
    assert "NAME_UNKNOWN" in caught.value.message
    assert "create the repository" in (caught.value.hint or "")


def test_blobs_are_mounted_from_another_repository(image: Image) -> None:
    registry = FakeRegistry()
    transport = httpx.MockTransport(registry)
    push_oci_image(image.layout, "127.0.0.1:5000/acme/base:1", transport=transport)
    # The fake keeps blobs registry-wide; HEAD would find them, so make it answer 404 for the new repository.
    original_blob = registry._blob

    def blob_missing_here(request: httpx.Request, name: str, rest: str) -> httpx.Response:
        if request.method == "HEAD" and name == "acme/notes":
            return httpx.Response(404)
        return original_blob(request, name, rest)

    registry._blob = blob_missing_here  # type: ignore[method-assign]
    result = push_oci_image(image.layout, "127.0.0.1:5000/acme/notes:1", mount_from="acme/base", transport=transport)
    assert (result.blobs_mounted, result.blobs_uploaded, result.bytes_uploaded) == (3, 0, 0)


def test_an_unreachable_registry_is_a_publish_error(image: Image) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(PublishError, match="could not reach the registry") as caught:
        push_oci_image(image.layout, "127.0.0.1:1/acme/notes:1", transport=httpx.MockTransport(refuse))
    assert "running" in (caught.value.hint or "")


def test_an_injected_client_is_used_and_left_open(image: Image) -> None:
    registry = FakeRegistry()
    with httpx.Client(transport=httpx.MockTransport(registry)) as client:
        push_oci_image(image.layout, "127.0.0.1:5000/acme/notes:1", client=client)
        assert not client.is_closed
    assert registry.manifests


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ghcr.io/acme/notes:1.0", ImageReference("ghcr.io", "acme/notes", "1.0")),
        ("127.0.0.1:5000/notes", ImageReference("127.0.0.1:5000", "notes", None)),
        ("localhost/a/b/c:latest", ImageReference("localhost", "a/b/c", "latest")),
        ("docker.io/notes:2", ImageReference("docker.io", "library/notes", "2")),
    ],
)
def test_references_parse(text: str, expected: ImageReference) -> None:
    assert parse_image_reference(text) == expected


@pytest.mark.parametrize("text", ["notes:1.0", "acme/notes", "ghcr.io/Acme/notes", "ghcr.io/acme/notes@sha256:00"])
def test_bad_references_are_usage_errors(text: str) -> None:
    with pytest.raises(UsageError):
        parse_image_reference(text)


def test_docker_hub_is_reached_at_its_api_host() -> None:
    reference = parse_image_reference("docker.io/acme/notes")
    assert (reference.api_host, reference.is_local) == ("registry-1.docker.io", False)
    assert parse_image_reference("[::1]:5000/notes").is_local
