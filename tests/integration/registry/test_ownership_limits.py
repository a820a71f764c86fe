"""The ownership-check attacks of issue 12, against a real ``mcpship registry serve`` and a real download host that
misbehaves: a redirect into the registry's private network, a bundle without end, forty bundles in one 8 KB
publish, many publishes at once. Each publish is refused and the registry's downloads and memory stay bounded."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from tests.integration.registry.conftest import RegistryServer, server_json
from tests.peak_memory import peak_rss_kib
from tests.registry_support.hostile_http import Answer, HostileServer, running_hostile_server, zeros

pytestmark = pytest.mark.timeout(120)

NAME = "io.github.test/bounded"
MIB = 1 << 20
PROCESS_LIMIT = 2
SOCKET_SLACK = 32 * MIB
"""What may have left the download host without the registry reading it: kernel buffers of a few connections."""
PEAK_RSS_LIMIT = 200 * MIB
"""About 110 MiB measured; holding one 100 MiB bundle in memory would pass it."""


@pytest.fixture(scope="module")
def downloads() -> Iterator[HostileServer]:
    with running_hostile_server() as server:
        yield server


@pytest.fixture(scope="module")
def internal() -> Iterator[HostileServer]:
    """Stands for a host of the registry's private network (another port: not on the allow-list)."""
    with running_hostile_server() as server:
        server.answers["/secret-mcp.mcpb"] = Answer(body=lambda: [b"internal secret" * 1000])
        yield server


@pytest.fixture(scope="module")
def registry(downloads: HostileServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RegistryServer]:
    """Default caps, except the per-process concurrency (small, to see it hold)."""
    work = tmp_path_factory.mktemp("bounded")
    flags = ("--mcpb-host", downloads.url, "--ownership-process-concurrency", str(PROCESS_LIMIT))
    server = RegistryServer(f"sqlite:///{work / 'r.db'}", work, flags)
    server.start()
    yield server
    server.stop()


def document(urls: list[str], version: str) -> dict[str, object]:
    packages = [
        {"registryType": "mcpb", "identifier": url, "fileSha256": "0" * 64, "transport": {"type": "stdio"}}
        for url in urls
    ]
    return server_json(NAME, version, packages=packages)


def publish(registry: RegistryServer, urls: list[str], version: str) -> httpx.Response:
    with registry.client() as client:
        return client.post("/v0.1/publish", json=document(urls, version))


def messages(response: httpx.Response) -> list[str]:
    body: dict[str, Any] = response.json()
    return [str(item["message"]) for item in body.get("errors", [])]


def peak_rss(registry: RegistryServer) -> int:
    assert registry.process is not None
    return peak_rss_kib(registry.process.pid) * 1024


def test_a_redirect_to_a_host_off_the_allow_list_is_refused_without_fetching_it_or_echoing_it(
    registry: RegistryServer, downloads: HostileServer, internal: HostileServer
) -> None:
    downloads.answers["/redirect-mcp.mcpb"] = Answer(302, {"Location": f"{internal.url}/secret-mcp.mcpb"})
    internal.reset()
    secret = b"internal secret" * 1000

    response = publish(registry, [f"{downloads.url}/redirect-mcp.mcpb"], "1.0.0")

    assert response.status_code == 400
    [message] = messages(response)
    assert f"redirects to {internal.url}, a host this registry does not fetch from" in message
    assert internal.requests == []
    assert hashlib.sha256(secret).hexdigest() not in response.text
    assert str(len(secret)) not in response.text
    assert "SHA-256 is" not in response.text


def test_a_bundle_without_end_is_cut_at_the_file_cap_and_never_held_in_memory(
    registry: RegistryServer, downloads: HostileServer
) -> None:
    downloads.answers["/endless-mcp.mcpb"] = Answer(body=zeros(1 << 30))
    downloads.reset()

    response = publish(registry, [f"{downloads.url}/endless-mcp.mcpb"], "2.0.0")

    assert response.status_code == 400
    [message] = messages(response)
    assert message.endswith("exceeds 100 MiB, the most this registry downloads")
    assert downloads.bytes_sent <= 100 * MIB + SOCKET_SLACK
    assert peak_rss(registry) < PEAK_RSS_LIMIT


def test_forty_bundles_in_one_small_publish_download_no_more_than_the_publish_cap(
    registry: RegistryServer, downloads: HostileServer
) -> None:
    for n in range(40):
        downloads.answers[f"/bundle-{n}-mcp.mcpb"] = Answer(body=zeros(16 * MIB))
    downloads.reset()
    urls = [f"{downloads.url}/bundle-{n}-mcp.mcpb" for n in range(40)]
    assert len(json.dumps(document(urls, "3.0.0"))) < 9000  # the 8 KB publish

    response = publish(registry, urls, "3.0.0")

    assert response.status_code == 400
    assert any(m.endswith("the most this registry downloads for one publish; publish fewer or smaller packages")
               for m in messages(response))  # fmt: skip
    assert downloads.bytes_sent <= 256 * MIB + SOCKET_SLACK  # not 640 MiB
    assert peak_rss(registry) < PEAK_RSS_LIMIT


def test_publishes_at_once_share_the_process_wide_limit_on_downloads(
    registry: RegistryServer, downloads: HostileServer
) -> None:
    bundle = b"a bundle" * 1000
    for n in range(6):
        downloads.answers[f"/slow-{n}-mcp.mcpb"] = Answer(body=lambda: [bundle], hold=0.5)
    downloads.release_at = PROCESS_LIMIT + 1  # held until more than the limit arrive, which must never happen
    downloads.reset()
    try:
        with ThreadPoolExecutor(6) as pool:
            answers = list(
                pool.map(
                    lambda n: publish(registry, [f"{downloads.url}/slow-{n}-mcp.mcpb"], f"4.0.{n}"),
                    range(6),
                )
            )
    finally:
        downloads.release_at = 1_000_000
    assert [a.status_code for a in answers] == [400] * 6  # fileSha256 is wrong: each bundle was downloaded
    assert len(downloads.requests) == 6
    assert downloads.peak_in_flight == PROCESS_LIMIT
