"""``pull_base_image`` against an in-memory registry behind ``httpx.MockTransport``: the Bearer token challenge
(anonymous and with ``docker login`` credentials), manifest lists resolved to one platform, Docker and OCI media
types, the cache (a pulled digest is never fetched again), and refusals: a blob whose bytes do not match its
digest, a blob larger than its descriptor or the limits, a manifest that is not what its digest names."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from mcpship._exceptions import BuildError
from mcpship.targets.oci.pull import PullLimits, pull_base_image
from mcpship.targets.oci.reference import parse_base_reference
from tests.conftest import RecordingReporter

DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"


def digest_of(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


@dataclass
class FakeRegistry:
    """A registry with one repository; Bearer auth when ``token`` is set (the token service wants ``needs``)."""

    token: str | None = None
    needs: str | None = None
    """``user:secret`` the token service requires; None: anonymous tokens."""
    blobs: dict[str, bytes] = field(default_factory=dict)
    manifests: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    """By tag and by digest: (media type, bytes)."""
    served: dict[str, bytes] = field(default_factory=dict)
    """Blob digest → the bytes actually sent (to lie about a blob)."""
    requests: list[httpx.Request] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.host == "auth.example":
            return self._token(request)
        if self.token is not None and request.headers.get("Authorization") != f"Bearer {self.token}":
            challenge = 'Bearer realm="https://auth.example/token",service="reg",scope="repository:library/python:pull"'
            return httpx.Response(401, headers={"WWW-Authenticate": challenge}, json={"errors": []})
        path = request.url.path
        if "/manifests/" in path:
            reference = path.rsplit("/manifests/", 1)[1]
            if reference not in self.manifests:
                return httpx.Response(404, json={"errors": [{"code": "MANIFEST_UNKNOWN"}]})
            media_type, body = self.manifests[reference]
            headers = {"Content-Type": media_type, "Docker-Content-Digest": digest_of(body)}
            return httpx.Response(200, headers=headers, content=b"" if request.method == "HEAD" else body)
        digest = path.rsplit("/blobs/", 1)[1]
        if digest not in self.blobs:
            return httpx.Response(404)
        return httpx.Response(200, content=self.served.get(digest, self.blobs[digest]))

    def _token(self, request: httpx.Request) -> httpx.Response:
        if self.needs is not None:
            expected = "Basic " + base64.b64encode(self.needs.encode()).decode()
            if request.headers.get("Authorization") != expected:
                return httpx.Response(401, json={"details": "incorrect username or password"})
        return httpx.Response(200, json={"token": self.token})

    def add_blob(self, data: bytes) -> dict[str, object]:
        self.blobs[digest_of(data)] = data
        return {"digest": digest_of(data), "size": len(data)}

    def add_image(self, architecture: str, *, docker: bool = True) -> str:
        """An image for linux/``architecture``; its manifest's digest."""
        layer = gzip.compress(f"layer of {architecture}".encode(), mtime=0)
        config = json.dumps(
            {
                "architecture": architecture,
                "os": "linux",
                "config": {"Env": ["PATH=/usr/bin:/bin", "PYTHON_VERSION=3.12.9"], "Cmd": ["python3"]},
                "rootfs": {"type": "layers", "diff_ids": [digest_of(gzip.decompress(layer))]},
            }
        ).encode()
        manifest = {
            "schemaVersion": 2,
            "mediaType": DOCKER_MANIFEST if docker else OCI_MANIFEST,
            "config": {"mediaType": DOCKER_CONFIG, **self.add_blob(config)},
            "layers": [{"mediaType": DOCKER_LAYER if docker else "application/vnd.oci.image.layer.v1.tar+gzip"}],
        }
        manifest["layers"][0].update(self.add_blob(layer))  # type: ignore[index]
        body = json.dumps(manifest).encode()
        self.manifests[digest_of(body)] = (str(manifest["mediaType"]), body)
        return digest_of(body)

    def add_list(self, tag: str, architectures: tuple[str, ...], *, docker: bool = True) -> str:
        entries = []
        for architecture in architectures:
            digest = self.add_image(architecture, docker=docker)
            media_type, body = self.manifests[digest]
            entries.append(
                {
                    "mediaType": media_type,
                    "digest": digest,
                    "size": len(body),
                    "platform": {"os": "linux", "architecture": architecture},
                }
            )
        entries.append(  # what Docker Hub lists beside the images: build attestations
            {
                "mediaType": OCI_MANIFEST,
                "digest": "sha256:" + "0" * 64,
                "size": 1,
                "platform": {"os": "unknown", "architecture": "unknown"},
            }
        )
        media_type = DOCKER_LIST if docker else OCI_INDEX
        body = json.dumps({"schemaVersion": 2, "mediaType": media_type, "manifests": entries}).encode()
        self.manifests[tag] = self.manifests[digest_of(body)] = (media_type, body)
        return digest_of(body)

    def gets(self, kind: str) -> list[str]:
        return [r.url.path for r in self.requests if r.method == "GET" and f"/{kind}/" in r.url.path]


@pytest.fixture(autouse=True)
def no_docker_login(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private, empty ``$DOCKER_CONFIG``: the tests never read the machine's own credentials."""
    config = tmp_path / "docker-config"
    config.mkdir()
    monkeypatch.setenv("DOCKER_CONFIG", str(config))
    return config


def pull(registry: FakeRegistry, cache: Path, reference: str = "python:3.12-slim", **options: object) -> object:
    return pull_base_image(
        parse_base_reference(reference),
        cache,
        transport=httpx.MockTransport(registry),
        **options,  # type: ignore[arg-type]
    )


def cache_files(cache: Path) -> list[str]:
    return sorted(p.name for p in (cache / "blobs" / "sha256").iterdir())


def test_an_anonymous_bearer_challenge_is_answered_and_the_tag_pinned_to_its_digest(tmp_path: Path) -> None:
    registry = FakeRegistry(token="anon-token")
    index = registry.add_list("3.12-slim", ("amd64", "arm64"))
    pulled = pull_base_image(
        parse_base_reference("python:3.12-slim"),
        tmp_path / "cache",
        architecture="amd64",
        transport=httpx.MockTransport(registry),
    )
    assert pulled.digest == index
    assert pulled.pinned == f"python:3.12-slim@{index}"
    assert pulled.platform == "linux/amd64"
    token_requests = [r for r in registry.requests if r.url.host == "auth.example"]
    assert [dict(r.url.params) for r in token_requests] == [
        {"service": "reg", "scope": "repository:library/python:pull"}
    ]
    assert "Authorization" not in token_requests[0].headers
    assert registry.requests[0].url == "https://registry-1.docker.io/v2/library/python/manifests/3.12-slim"
    assert registry.requests[0].method == "HEAD"


def test_docker_login_credentials_from_auths_are_sent_to_the_token_service(
    tmp_path: Path, no_docker_login: Path
) -> None:
    auth = base64.b64encode(b"alice:s3cret").decode()
    (no_docker_login / "config.json").write_text(json.dumps({"auths": {"https://index.docker.io/v1/": {"auth": auth}}}))
    registry = FakeRegistry(token="alice-token", needs="alice:s3cret")
    registry.add_list("3.12-slim", ("amd64",))
    pull(registry, tmp_path / "cache", architecture="amd64")
    token_request = next(r for r in registry.requests if r.url.host == "auth.example")
    assert token_request.headers["Authorization"] == "Basic " + auth


def test_refused_credentials_name_docker_login(tmp_path: Path, no_docker_login: Path) -> None:
    auth = base64.b64encode(b"alice:wrong").decode()
    (no_docker_login / "config.json").write_text(json.dumps({"auths": {"docker.io": {"auth": auth}}}))
    registry = FakeRegistry(token="t", needs="alice:s3cret")
    registry.add_list("3.12-slim", ("amd64",))
    with pytest.raises(BuildError, match="rejected the credentials") as caught:
        pull(registry, tmp_path / "cache", architecture="amd64")
    assert "docker login" in (caught.value.hint or "")


def test_a_credential_helper_answers_for_its_registry(
    tmp_path: Path, no_docker_login: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    helper = tmp_path / "bin" / "docker-credential-fake"
    helper.parent.mkdir()
    helper.write_text(
        '#!/bin/sh\nread server\n[ "$1" = get ] && [ "$server" = "https://index.docker.io/v1/" ] || exit 1\n'
        'echo \'{"ServerURL": "x", "Username": "bob", "Secret": "tok"}\'\n'
    )
    helper.chmod(helper.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{helper.parent}{os.pathsep}{os.environ['PATH']}")
    (no_docker_login / "config.json").write_text(json.dumps({"credHelpers": {"docker.io": "fake"}}))
    registry = FakeRegistry(token="bob-token", needs="bob:tok")
    registry.add_list("3.12-slim", ("amd64",))
    pulled = pull(registry, tmp_path / "cache", architecture="amd64")
    assert pulled.platform == "linux/amd64"  # type: ignore[attr-defined]


@pytest.mark.parametrize("docker", [True, False], ids=["docker-manifest-list", "oci-index"])
def test_a_multi_platform_image_gives_the_manifest_of_the_wanted_platform(tmp_path: Path, docker: bool) -> None:
    registry = FakeRegistry()
    registry.add_list("3.12-slim", ("amd64", "arm64"), docker=docker)
    pulled = pull_base_image(
        parse_base_reference("python:3.12-slim"),
        tmp_path / "cache",
        architecture="arm64",
        transport=httpx.MockTransport(registry),
    )
    assert pulled.base.architecture == "arm64"
    assert pulled.base.layers[0]["mediaType"] == "application/vnd.oci.image.layer.v1.tar+gzip"
    assert (
        registry.manifests[pulled.base.manifest_digest][1]
        == (pulled.base.layout / "blobs" / "sha256" / pulled.base.manifest_digest[7:]).read_bytes()
    )
    assert pulled.base.blob(pulled.base.layers[0]["digest"]).read_bytes() == gzip.compress(b"layer of arm64", mtime=0)


def test_a_platform_the_image_lacks_is_refused_with_the_ones_it_has(tmp_path: Path) -> None:
    registry = FakeRegistry()
    registry.add_list("3.12-slim", ("amd64",))
    with pytest.raises(BuildError, match=r"has no linux/arm64 image \(it has: linux/amd64, unknown/unknown\)"):
        pull(registry, tmp_path / "cache", architecture="arm64")


def test_a_pulled_digest_is_never_downloaded_again(tmp_path: Path) -> None:
    registry = FakeRegistry()
    index = registry.add_list("3.12-slim", ("amd64",))
    first = pull(registry, tmp_path / "cache", architecture="amd64")
    assert first.downloaded > 0  # type: ignore[attr-defined]
    registry.requests.clear()
    again = pull(registry, tmp_path / "cache", architecture="amd64")
    assert again.downloaded == 0  # type: ignore[attr-defined]
    assert [(r.method, r.url.path) for r in registry.requests] == [("HEAD", "/v2/library/python/manifests/3.12-slim")]
    registry.requests.clear()
    pull(registry, tmp_path / "cache", f"python:3.12-slim@{index}", architecture="amd64")
    assert registry.requests == []  # pinned and cached: no network at all


def test_a_layer_whose_bytes_differ_from_its_digest_is_refused_and_not_cached(tmp_path: Path) -> None:
    registry = FakeRegistry()
    digest = registry.add_list("3.12-slim", ("amd64",))
    manifest = json.loads(registry.manifests[json.loads(registry.manifests[digest][1])["manifests"][0]["digest"]][1])
    layer = manifest["layers"][0]
    registry.served[layer["digest"]] = b"x" * layer["size"]  # same size, other bytes
    with pytest.raises(BuildError, match=rf"digest is sha256:[0-9a-f]{{64}}, not {layer['digest']}; refused"):
        pull(registry, tmp_path / "cache", architecture="amd64")
    assert layer["digest"][7:] not in cache_files(tmp_path / "cache")
    assert not [name for name in cache_files(tmp_path / "cache") if name.endswith(".partial")]


def test_a_blob_longer_than_its_descriptor_is_refused_while_it_streams(tmp_path: Path) -> None:
    registry = FakeRegistry()
    digest = registry.add_list("3.12-slim", ("amd64",))
    manifest = json.loads(registry.manifests[json.loads(registry.manifests[digest][1])["manifests"][0]["digest"]][1])
    layer = manifest["layers"][0]
    registry.served[layer["digest"]] = registry.blobs[layer["digest"]] + b"\0" * 100_000
    with pytest.raises(BuildError, match=f"larger than the {layer['size']} bytes"):
        pull(registry, tmp_path / "cache", architecture="amd64")
    assert not [name for name in cache_files(tmp_path / "cache") if name.endswith(".partial")]


def test_a_layer_declared_larger_than_the_limit_is_not_downloaded(tmp_path: Path) -> None:
    registry = FakeRegistry()
    registry.add_list("3.12-slim", ("amd64",))
    with pytest.raises(BuildError, match="more than the 10 mcpship takes; not downloaded"):
        pull(registry, tmp_path / "cache", architecture="amd64", limits=PullLimits(max_layer_bytes=10))
    assert not registry.gets("blobs")[1:]  # the config only


def test_a_manifest_that_is_not_what_its_digest_names_is_refused(tmp_path: Path) -> None:
    registry = FakeRegistry()
    index = registry.add_list("3.12-slim", ("amd64",))
    media_type, body = registry.manifests[index]
    registry.manifests[index] = (media_type, body.replace(b'"schemaVersion": 2', b'"schemaVersion":  2'))
    with pytest.raises(BuildError, match=f"not {index}; refused"):
        pull(registry, tmp_path / "cache", f"python@{index}", architecture="amd64")


def test_plain_http_only_for_a_registry_on_this_machine(tmp_path: Path) -> None:
    registry = FakeRegistry()
    registry.add_list("bookworm", ("amd64",))
    pull(registry, tmp_path / "cache", "127.0.0.1:5000/library/python:bookworm", architecture="amd64")
    assert {str(r.url.copy_with(path="/")) for r in registry.requests} == {"http://127.0.0.1:5000/"}
    registry.requests.clear()
    pull(registry, tmp_path / "other", "registry.example/library/python:bookworm", architecture="amd64")
    assert {r.url.scheme for r in registry.requests} == {"https"}


def test_an_unknown_tag_names_the_setting_to_fix(tmp_path: Path) -> None:
    registry = FakeRegistry()
    with pytest.raises(BuildError, match="no such image") as caught:
        pull(registry, tmp_path / "cache", "python:9.9-slim", architecture="amd64")
    assert "base_image under [targets.oci]" in (caught.value.hint or "")


@pytest.mark.parametrize(
    ("written", "registry", "repository", "tag", "digest"),
    [
        ("python:3.12-slim", "docker.io", "library/python", "3.12-slim", None),
        ("acme/base", "docker.io", "acme/base", "latest", None),
        ("docker.io/library/node:22-slim", "docker.io", "library/node", "22-slim", None),
        ("127.0.0.1:5000/base:bookworm", "127.0.0.1:5000", "base", "bookworm", None),
        ("ghcr.io/acme/base@sha256:" + "a" * 64, "ghcr.io", "acme/base", None, "sha256:" + "a" * 64),
        ("localhost/x:1@sha256:" + "b" * 64, "localhost", "x", "1", "sha256:" + "b" * 64),
    ],
)
def test_references_read_as_docker_pull_reads_them(
    written: str, registry: str, repository: str, tag: str | None, digest: str | None
) -> None:
    reference = parse_base_reference(written)
    assert (reference.registry, reference.repository, reference.tag, reference.digest) == (
        registry,
        repository,
        tag,
        digest,
    )


def offline(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("Name or service not known", request=request)


def test_offline_a_pulled_tag_builds_on_the_digest_it_named_last_time_and_says_so(tmp_path: Path) -> None:
    registry = FakeRegistry()
    index = registry.add_list("3.12-slim", ("amd64",))
    pull(registry, tmp_path / "cache", architecture="amd64")
    reporter = RecordingReporter()
    pulled = pull_base_image(
        parse_base_reference("python:3.12-slim"),
        tmp_path / "cache",
        architecture="amd64",
        transport=httpx.MockTransport(offline),
        reporter=reporter,
    )
    assert pulled.digest == index
    assert reporter.warnings == [
        f"could not reach the registry of python:3.12-slim; building on {index}, the digest its tag named when it"
        " was last pulled"
    ]


def test_offline_a_tag_never_pulled_is_an_error_naming_the_offline_ways(tmp_path: Path) -> None:
    with pytest.raises(
        BuildError, match=re.escape("could not resolve the tag '3.12-slim' of python:3.12-slim")
    ) as caught:
        pull_base_image(
            parse_base_reference("python:3.12-slim"),
            tmp_path / "cache",
            architecture="amd64",
            transport=httpx.MockTransport(offline),
        )
    assert "dockerfile_only = true" in (caught.value.hint or "")
