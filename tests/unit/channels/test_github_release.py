"""What the github-release channel reads from a release URL and a build, before any call to GitHub."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import httpx
import pytest

from mcpship._exceptions import PublishError
from mcpship.channels.github_release import (
    GitHubReleaseDestination,
    ReleaseLocation,
    parse_release_download_url,
    publish_github_release,
)
from mcpship.pipeline.report import write_report
from mcpship.targets import Artifact


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://github.com/acme/notes/releases/download/v1.2.0/notes-1.2.0.mcpb",
            ReleaseLocation("acme", "notes", "v1.2.0", "notes-1.2.0.mcpb"),
        ),
        (
            "https://github.com/acme/notes.mcp/releases/download/release/v1/notes%2B1.mcpb",
            ReleaseLocation("acme", "notes.mcp", "release/v1", "notes+1.mcpb"),
        ),
    ],
)
def test_a_release_download_url_gives_owner_repo_tag_and_file(url: str, expected: ReleaseLocation) -> None:
    assert parse_release_download_url(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "http://github.com/acme/notes/releases/download/v1/n.mcpb",  # not https
        "https://gitlab.com/acme/notes/releases/download/v1/n.mcpb",  # another host
        "https://github.com/acme/notes/releases/tag/v1/n.mcpb",  # a release page, not a download
        "https://github.com/acme/notes/releases/download/n.mcpb",  # no tag
        "https://github.com/acme/notes/releases/download/v1/n.mcpb?x=1",  # a query
        "https://github.com/ac$me/notes/releases/download/v1/n.mcpb",  # not an owner name
        "https://github.com/acme/notes/releases/download/v1/..",
    ],
)
def test_anything_but_a_github_release_download_url_is_refused(url: str) -> None:
    with pytest.raises(PublishError, match=r"is not a GitHub release download URL|names no"):
        parse_release_download_url(url)


def test_a_github_enterprise_host_is_accepted_when_named() -> None:
    url = "https://git.corp.example/acme/notes/releases/download/v1/n.mcpb"
    assert parse_release_download_url(url, hosts=frozenset({"git.corp.example"})).repository == "acme/notes"


def _dist(tmp_path: Path, packages: Sequence[Mapping[str, object]], bundles: dict[str, bytes]) -> Path:
    dist = tmp_path / "dist"
    dist.mkdir()
    artifacts = []
    for name, content in bundles.items():
        (dist / name).write_bytes(content)
        digest = hashlib.sha256(content).hexdigest()
        artifacts.append(
            Artifact(
                target="mcpb",
                kind="mcpb",
                path=dist / name,
                sha256=digest,
                size=len(content),
                version="1.0.0",
                lock_digest=None,
            )
        )
    (dist / "server.json").write_text(json.dumps({"name": "io.github.acme/notes", "packages": packages}))
    write_report(dist, artifacts, name="io.github.acme/notes", source_date_epoch=0)
    return dist


def _refusing_transport() -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"no call to GitHub was expected: {request.method} {request.url}")

    return httpx.MockTransport(handler)


def test_bundles_pointing_at_two_releases_are_refused(tmp_path: Path) -> None:
    base = "https://github.com/acme/notes/releases/download"
    packages = [
        {"registryType": "mcpb", "identifier": f"{base}/v1.0.0/a.mcpb"},
        {"registryType": "mcpb", "identifier": f"{base}/v1.0.1/b.mcpb"},
    ]
    dist = _dist(tmp_path, packages, {"a.mcpb": b"a", "b.mcpb": b"b"})

    with pytest.raises(PublishError, match=r"2 different releases \(acme/notes v1.0.0, acme/notes v1.0.1\)"):
        publish_github_release(GitHubReleaseDestination(token="t"), dist, transport=_refusing_transport())


def test_a_server_json_without_mcpb_packages_has_nothing_to_attach(tmp_path: Path) -> None:
    dist = _dist(tmp_path, [{"registryType": "pypi", "identifier": "notes"}], {})

    with pytest.raises(PublishError, match="lists no MCPB package") as caught:
        publish_github_release(GitHubReleaseDestination(token="t"), dist, transport=_refusing_transport())
    assert "mcpb_url" in str(caught.value.hint)


def test_a_bundle_the_build_does_not_have_is_refused(tmp_path: Path) -> None:
    url = "https://github.com/acme/notes/releases/download/v1/gone.mcpb"
    dist = _dist(tmp_path, [{"registryType": "mcpb", "identifier": url, "fileSha256": "0" * 64}], {})

    with pytest.raises(PublishError, match="records no bundle with that name"):
        publish_github_release(GitHubReleaseDestination(token="t"), dist, transport=_refusing_transport())


def test_the_enterprise_api_url_sends_uploads_to_its_uploads_path(tmp_path: Path) -> None:
    """``$GITHUB_API_URL`` of GitHub Enterprise Server: the API at /api/v3, uploads at /api/uploads."""
    url = "https://ghe.corp.example/acme/notes/releases/download/v1/n.mcpb"
    dist = _dist(tmp_path, [{"registryType": "mcpb", "identifier": url}], {"n.mcpb": b"n"})
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.method} {request.url}")
        if request.url.path.endswith("/releases/tags/v1"):
            upload = "https://ghe.corp.example/api/uploads/repos/acme/notes/releases/7/assets{?name,label}"
            return httpx.Response(200, json={"id": 7, "html_url": "h", "upload_url": upload})
        if request.url.path.endswith("/releases/7/assets") and request.method == "GET":
            return httpx.Response(200, json=[])
        return httpx.Response(201, json={"id": 8, "name": "n.mcpb", "size": 1, "browser_download_url": url})

    environ = {"GITHUB_API_URL": "https://ghe.corp.example/api/v3", "GITHUB_SERVER_URL": "https://ghe.corp.example"}
    outcome = publish_github_release(
        GitHubReleaseDestination(token="t"), dist, transport=httpx.MockTransport(handler), environ=environ
    )

    assert outcome.assets[0].status == "published"
    assert seen[-1] == "POST https://ghe.corp.example/api/uploads/repos/acme/notes/releases/7/assets?name=n.mcpb"
    assert seen[0] == "GET https://ghe.corp.example/api/v3/repos/acme/notes/releases/tags/v1"


def test_an_upload_address_outside_the_uploads_host_gets_no_token(tmp_path: Path) -> None:
    url = "https://github.com/acme/notes/releases/download/v1/n.mcpb"
    dist = _dist(tmp_path, [{"registryType": "mcpb", "identifier": url}], {"n.mcpb": b"n"})
    hosts: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        hosts.append(request.url.host)
        if "tags" in request.url.path:
            return httpx.Response(200, json={"id": 7, "upload_url": "https://evil.example/upload{?name}"})
        return httpx.Response(200, json=[])

    with pytest.raises(PublishError, match="upload address"):
        publish_github_release(GitHubReleaseDestination(token="t"), dist, transport=httpx.MockTransport(handler))
    assert "evil.example" not in hosts
