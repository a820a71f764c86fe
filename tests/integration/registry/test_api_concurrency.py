"""Concurrent writers over HTTP: one name+version can be published exactly once, whatever the race."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.integration.registry.conftest import RegistryServer, encoded, server_json

PUBLISHERS = 50


def test_fifty_concurrent_publishes_of_one_version_give_exactly_one_success(
    start_registry: Callable[..., RegistryServer],
) -> None:
    registry = start_registry()
    name = "io.github.race/one-version"
    headers = {"Authorization": f"Bearer {registry.token()}"}
    start = threading.Barrier(PUBLISHERS, timeout=30)

    def publish(_: int) -> int:
        with httpx.Client(base_url=registry.base_url, timeout=60) as client:
            client.get("/v0.1/ping")  # connect before the race starts
            start.wait()
            response = client.post("/v0.1/publish", json=server_json(name), headers=headers)
            return response.status_code

    with ThreadPoolExecutor(PUBLISHERS) as pool:
        codes = Counter(pool.map(publish, range(PUBLISHERS)))
    assert codes == Counter({200: 1, 400: PUBLISHERS - 1})
    versions = httpx.get(f"{registry.base_url}/v0.1/servers/{encoded(name)}/versions").json()
    assert versions["metadata"]["count"] == 1
    assert versions["servers"][0]["_meta"]["io.modelcontextprotocol.registry/official"]["isLatest"] is True
