"""The bounds every ownership fetch obeys, over MockTransport: redirect hops re-checked, bytes, requests, time and
concurrency per publish and per process, and nothing learnt from a refused host echoed back."""

from __future__ import annotations

import asyncio
import gzip
import hashlib
from collections.abc import Callable, Coroutine
from typing import Any

import httpx
import pytest

from mcpship.registry.config import OwnershipSettings
from mcpship.registry.ownership import check_ownership
from mcpship.registry.ownership._hosts import HostRule
from tests.unit.registry.test_ownership import NAME, run_check

BUNDLE = b"bundle bytes" * 1000
SHA = hashlib.sha256(BUNDLE).hexdigest()
RELEASE = "https://github.com/acme/tiny-mcp/releases/download/v1.0.0/tiny.mcpb"
SECRET = b"internal metadata only the registry's network can see" * 100


def mcpb(url: str = RELEASE, sha: str = SHA) -> dict[str, str]:
    return {"registryType": "mcpb", "identifier": url, "fileSha256": sha}


def redirect_to(location: str) -> Callable[[httpx.Request], httpx.Response]:
    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.host == "github.com":
            return httpx.Response(302, headers={"Location": location})
        return httpx.Response(200, content=SECRET)

    return handle


@pytest.mark.parametrize(
    "location",
    [
        "http://169.254.169.254/latest/meta-data/",
        "https://internal.example/secret-mcp.mcpb",
        "https://github.com:8443/acme/tiny-mcp/releases/download/v1.0.0/tiny.mcpb",
        "http://github.com/acme/tiny-mcp/releases/download/v1.0.0/tiny.mcpb",
        "https://user:pw@release-assets.githubusercontent.com/x",
        "file:///etc/passwd",
    ],
)
def test_a_redirect_off_the_allow_list_is_refused_before_it_is_fetched_and_reveals_nothing(location: str) -> None:
    [message], seen = run_check([mcpb()], redirect_to(location))
    assert [str(r.url) for r in seen] == [RELEASE]  # the refused hop was never contacted
    assert "a host this registry does not fetch from" in message
    assert "nothing was fetched from it" in message
    secret_sha = hashlib.sha256(SECRET).hexdigest()
    assert secret_sha not in message
    assert str(len(SECRET)) not in message
    assert "SHA-256 is" not in message
    assert "pw" not in message


def test_a_relative_redirect_stays_on_the_allowed_host() -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/tiny.mcpb"):
            return httpx.Response(307, headers={"Location": "/acme/tiny-mcp/releases/download/v1.0.0/real-mcp.mcpb"})
        return httpx.Response(200, content=BUNDLE)

    messages, seen = run_check([mcpb()], handle)
    assert messages == []
    assert [r.url.path.rsplit("/", 1)[-1] for r in seen] == ["tiny.mcpb", "real-mcp.mcpb"]


def test_redirects_are_followed_only_so_many_times() -> None:
    def loop(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"Location": str(request.url.copy_add_param("again", "1"))})

    [message], seen = run_check([mcpb()], loop, OwnershipSettings(max_redirects=3))
    assert message.endswith(f"MCPB package at {RELEASE} redirects more than 3 times, the most this registry follows")
    assert len(seen) == 4


def test_the_authorization_header_never_follows_a_redirect_to_another_host() -> None:
    token = {"token": "anon-token"}
    challenge = {"WWW-Authenticate": 'Bearer realm="https://ghcr.io/token"'}
    blob_host = "pkg-containers.githubusercontent.com"
    config = b'{"config": {"Labels": {"io.modelcontextprotocol.server.name": "io.github.test/x"}}}'
    digest = "sha256:" + hashlib.sha256(config).hexdigest()
    manifest = {"mediaType": "application/vnd.oci.image.manifest.v1+json", "config": {"digest": digest}}

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.host == blob_host:
            assert "Authorization" not in request.headers
            return httpx.Response(200, content=config)
        if request.url.path == "/token":
            return httpx.Response(200, json=token)
        if "Authorization" not in request.headers:
            return httpx.Response(401, headers=challenge)
        if "/manifests/" in request.url.path:
            return httpx.Response(200, json=manifest)
        return httpx.Response(307, headers={"Location": f"https://{blob_host}/blob?sig=1"})

    messages, seen = run_check([{"registryType": "oci", "identifier": "ghcr.io/acme/tiny:1"}], handle)
    assert messages == []
    assert seen[-1].url.host == blob_host


def test_a_token_realm_on_a_host_off_the_allow_list_is_never_asked() -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, headers={"WWW-Authenticate": 'Bearer realm="http://10.0.0.1/token"'})

    [message], seen = run_check([{"registryType": "oci", "identifier": "ghcr.io/acme/tiny:1"}], handle)
    assert "an anonymous pull token at http://10.0.0.1/token" in message
    assert "is not on a host this registry fetches from" in message
    assert {r.url.host for r in seen} == {"ghcr.io"}


def test_a_simple_index_link_to_a_host_off_the_allow_list_is_never_fetched() -> None:
    page = '<a href="http://10.0.0.1/tiny_mcp-1.0.0-py3-none-any.whl">tiny_mcp-1.0.0-py3-none-any.whl</a>'

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/simple/"):
            return httpx.Response(200, text=page, headers={"Content-Type": "text/html"})
        return httpx.Response(404)

    package = {"registryType": "pypi", "identifier": "tiny-mcp", "version": "1.0.0"}
    [message], seen = run_check([package], handle)
    assert "is not on a host this registry fetches from" in message
    assert {r.url.host for r in seen} == {"pypi.org"}


def test_a_nuget_identifier_cannot_walk_out_of_its_path_segment() -> None:
    index = {
        "resources": [
            {"@type": "ReadmeUriTemplate/6.13.0", "@id": "https://api.nuget.org/r/{lower_id}/{lower_version}"}
        ]
    }

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("index.json"):
            return httpx.Response(200, json=index)
        return httpx.Response(200, text=f"mcp-name: {NAME}")

    _, seen = run_check([{"registryType": "nuget", "identifier": "../../admin", "version": "1.0/../x"}], handle)
    assert seen[-1].url.raw_path == b"/r/..%2F..%2Fadmin/1.0%2F..%2Fx"


def test_a_file_larger_than_the_cap_is_cut_there() -> None:
    served: list[int] = []

    async def endless(request: httpx.Request) -> httpx.Response:
        async def body() -> Any:
            for _ in range(10_000):  # 640 MiB if it were all read
                served.append(1)
                yield b"\0" * 65536

        return httpx.Response(200, content=body())

    [message] = run_async_check([mcpb()], endless, OwnershipSettings(max_file_bytes=1 << 20))
    assert message.endswith(f"MCPB package at {RELEASE} exceeds 1 MiB, the most this registry downloads")
    assert len(served) <= 20  # stopped right after the cap, not at the end of the body


def test_a_compressed_answer_is_inflated_in_bounded_pieces_and_cut_at_the_cap() -> None:
    bomb = gzip.compress(b"\0" * (64 << 20))  # 64 MiB of zeros in about 64 KiB

    async def handle(request: httpx.Request) -> httpx.Response:
        async def body() -> Any:
            yield bomb

        return httpx.Response(200, content=body(), headers={"Content-Encoding": "gzip"})

    [message] = run_async_check([mcpb()], handle, OwnershipSettings(max_file_bytes=1 << 20))
    assert "exceeds 1 MiB, the most this registry downloads" in message


def test_an_encoding_that_was_not_asked_for_is_refused() -> None:
    asked: list[str] = []

    async def brotli(request: httpx.Request) -> httpx.Response:
        asked.append(request.headers["Accept-Encoding"])

        async def body() -> Any:
            yield b"\x0b\x02\x80x\x03"

        return httpx.Response(200, content=body(), headers={"Content-Encoding": "br"})

    [message] = run_async_check([mcpb()], brotli)
    assert f"MCPB package at {RELEASE}: the answer came with Content-Encoding 'br', which was not asked for" in message
    assert asked == ["identity"]


def test_forty_bundles_in_one_publish_download_at_most_the_publish_cap() -> None:
    downloaded: list[int] = []
    chunk = b"\0" * 65536

    async def sixteen_mib(request: httpx.Request) -> httpx.Response:
        async def body() -> Any:
            for _ in range(256):
                downloaded.append(len(chunk))
                yield chunk

        return httpx.Response(200, content=body())

    packages = [mcpb(f"{RELEASE}?copy={n}") for n in range(40)]
    settings = OwnershipSettings(max_publish_bytes=32 << 20)
    messages = run_async_check(packages, sixteen_mib, settings)
    assert len(messages) == 40  # none proven: the hash is wrong, or the publish ran out of bytes
    assert any("downloads more than 32 MiB, the most this registry downloads for one publish" in m for m in messages)
    in_flight_slack = settings.max_concurrent_fetches * 2 * len(chunk)
    assert sum(downloaded) <= settings.max_publish_bytes + in_flight_slack


def test_a_publish_makes_at_most_so_many_requests() -> None:
    packages = [mcpb(f"{RELEASE}?copy={n}") for n in range(40)]
    messages, seen = run_check(
        packages, lambda r: httpx.Response(200, content=BUNDLE), OwnershipSettings(max_fetches=5)
    )
    assert len(seen) == 5
    assert sum("takes more than 5 requests, the most this registry makes for one publish" in m for m in messages) == 35


def test_identical_packages_are_proven_with_one_download() -> None:
    messages, seen = run_check([mcpb()] * 40, lambda r: httpx.Response(200, content=BUNDLE))
    assert (messages, len(seen)) == ([], 1)


def test_a_publish_whose_proofs_outlast_the_budget_fails_every_unfinished_package() -> None:
    async def never(request: httpx.Request) -> httpx.Response:
        await asyncio.Event().wait()
        raise AssertionError

    settings = OwnershipSettings(publish_budget_seconds=0.2)
    messages = run_async_check([mcpb(), {"registryType": "cargo", "identifier": "x"}], never, settings)
    assert messages[0].endswith(
        "proving this server's packages took longer than 0.2 s, the most this registry spends on one publish (it may"
        " be busy proving other publishes); try again later"
    )
    assert "unsupported registry type" in messages[1]


def test_requests_in_flight_are_limited_per_publish_and_per_process() -> None:
    in_flight, peak = 0, 0

    async def slow(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        for _ in range(20):  # let every other request that may start, start
            await asyncio.sleep(0)
        in_flight -= 1
        return httpx.Response(200, content=BUNDLE)

    packages = [mcpb(f"{RELEASE}?copy={n}") for n in range(10)]

    async def publishes(per_publish: int, per_process: int) -> int:
        nonlocal peak
        peak = 0
        settings = OwnershipSettings(max_concurrent_fetches=per_publish, max_process_fetches=per_process)
        async with httpx.AsyncClient(transport=httpx.MockTransport(slow)) as client:
            servers = [{"name": NAME, "packages": packages} for _ in range(4)]
            await asyncio.gather(*(check_ownership(server, settings, client) for server in servers))
        return peak

    assert asyncio.run(publishes(per_publish=3, per_process=100)) == 12  # 4 publishes x 3
    assert asyncio.run(publishes(per_publish=3, per_process=5)) == 5


@pytest.mark.parametrize(
    ("entry", "url", "allowed"),
    [
        ("*.quay.io", "https://cdn01.quay.io/x", True),
        ("*.quay.io", "https://quay.io/x", False),
        ("*.quay.io", "https://evilquay.io/x", False),
        ("files.pythonhosted.org", "https://files.pythonhosted.org.evil.example/x", False),
        ("files.pythonhosted.org", "https://u@files.pythonhosted.org/x", False),
        ("http://127.0.0.1:4873", "http://127.0.0.1:4873/x", True),
        ("127.0.0.1:4873", "http://127.0.0.1:4873/x", False),
    ],
)
def test_a_host_rule_admits_its_host_scheme_and_port_and_never_credentials(entry: str, url: str, allowed: bool) -> None:
    assert HostRule.parse(entry).allows(httpx.URL(url)) is allowed


def run_async_check(
    packages: list[dict[str, str]],
    handler: Callable[[httpx.Request], Coroutine[None, None, httpx.Response]],
    settings: OwnershipSettings | None = None,
) -> list[str]:
    async def go() -> list[str]:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
            server = {"name": NAME, "packages": packages}
            return await check_ownership(server, settings or OwnershipSettings(), client)

    return asyncio.run(go())
