"""check_ownership as a whole: dispatch, message format, ordering, settings, and network trouble."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from mcpship.__about__ import __version__
from mcpship.registry.config import OwnershipSettings
from mcpship.registry.ownership import check_ownership

NAME = "io.github.test/x"
Handler = Callable[[httpx.Request], httpx.Response]


def run_check(
    packages: list[dict[str, Any]], handler: Handler, settings: OwnershipSettings | None = None, *, name: str = NAME
) -> tuple[list[str], list[httpx.Request]]:
    """check_ownership over a MockTransport; returns the messages and every request made."""
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    server: Mapping[str, Any] = {"name": name, "version": "1.0.0", "packages": packages}

    async def go() -> list[str]:
        async with httpx.AsyncClient(transport=httpx.MockTransport(record)) as client:
            return await check_ownership(server, settings or OwnershipSettings(), client)

    return asyncio.run(go()), seen


def npm_ok(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"name": "good", "version": "1.0.0", "mcpName": NAME})


def test_disabled_checks_prove_everything_without_a_request() -> None:
    messages, seen = run_check([{"registryType": "npm", "identifier": "x", "version": "1"}], npm_ok,
                               OwnershipSettings(enabled=False))  # fmt: skip
    assert (messages, seen) == ([], [])


def test_a_server_without_packages_needs_no_proof() -> None:
    assert run_check([], npm_ok) == ([], [])


def test_an_unknown_registry_type_is_refused_like_upstream() -> None:
    messages, _ = run_check([{"registryType": "cargo", "identifier": "tiny", "version": "1.0.0"}], npm_ok)
    assert messages == ["registry validation failed for package 0 (tiny): unsupported registry type 'cargo'"]


def test_only_failing_packages_are_reported_in_package_order_with_their_index() -> None:
    packages = [
        {"registryType": "npm", "identifier": "good", "version": "1.0.0"},
        {"registryType": "cargo", "identifier": "first-bad"},
        {"registryType": "npm", "identifier": "good-too", "version": "1.0.0"},
        {"registryType": "npm", "identifier": "second-bad"},
    ]
    messages, _ = run_check(packages, npm_ok)
    assert [m.split(":", 1)[0] for m in messages] == [
        "registry validation failed for package 1 (first-bad)",
        "registry validation failed for package 3 (second-bad)",
    ]


def test_every_request_says_who_is_asking_and_waits_only_as_configured() -> None:
    package = {"registryType": "npm", "identifier": "good", "version": "1.0.0"}
    _, [request] = run_check([package], npm_ok, OwnershipSettings(timeout_seconds=2.5))
    assert request.headers["User-Agent"] == f"mcpship-registry/{__version__}"
    assert request.extensions["timeout"] == {"connect": 2.5, "read": 2.5, "write": 2.5, "pool": 2.5}


def test_an_unreachable_registry_becomes_a_message_naming_the_url() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    [message], _ = run_check([{"registryType": "npm", "identifier": "tiny", "version": "1.0.0"}], refuse)
    assert message == (
        "registry validation failed for package 0 (tiny): cannot fetch the npm package metadata from"
        " https://registry.npmjs.org/tiny/1.0.0: connection refused"
    )


def test_a_timeout_is_reported_as_such() -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("read timed out", request=request)

    [message], _ = run_check([{"registryType": "npm", "identifier": "tiny", "version": "1.0.0"}], slow)
    assert message.endswith("https://registry.npmjs.org/tiny/1.0.0: timed out")
