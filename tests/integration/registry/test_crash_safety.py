"""``kill -9`` during a storm of publishes loses nothing that was acknowledged and leaves nothing half-written."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import httpx

from mcpship.server_json import validate_server_json
from tests.integration.registry.conftest import RegistryServer, encoded, server_json

OFFICIAL = "io.modelcontextprotocol.registry/official"
OFFICIAL_KEYS = {"status", "statusChangedAt", "publishedAt", "updatedAt", "isLatest"}
NAMES = [f"io.github.crash/server-{index}" for index in range(4)]
THREADS = 8
KILL_AFTER_SUCCESSES = 60
STORM_TIMEOUT = 60.0


def _storm(
    registry: RegistryServer, acknowledged: list[dict[str, Any]], stop: threading.Event
) -> list[threading.Thread]:
    token = registry.token()

    def publisher(worker: int) -> None:
        with httpx.Client(
            base_url=registry.base_url, timeout=10, headers={"Authorization": f"Bearer {token}"}
        ) as client:
            for round_ in range(10_000):
                if stop.is_set():
                    return
                document = server_json(NAMES[(worker + round_) % len(NAMES)], f"{round_}.{worker}.0")
                try:
                    response = client.post("/v0.1/publish", json=document)
                except httpx.TransportError:
                    return  # the server died under us: this publish was never acknowledged
                if response.status_code == 200:
                    acknowledged.append(document)

    threads = [threading.Thread(target=publisher, args=(worker,), daemon=True) for worker in range(THREADS)]
    for thread in threads:
        thread.start()
    return threads


def _all_rows(registry: RegistryServer) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    cursor: str | None = None
    with httpx.Client(base_url=registry.base_url, timeout=30) as client:
        for _ in range(1000):
            params: dict[str, Any] = {"limit": 100, "include_deleted": "true", "search": "io.github.crash/"}
            if cursor:
                params["cursor"] = cursor
            page = client.get("/v0.1/servers", params=params).json()
            rows += page["servers"]
            cursor = page["metadata"].get("nextCursor")
            if not cursor:
                return rows
    raise AssertionError("paging did not end")


def test_kill_9_during_a_publish_storm_keeps_every_acknowledged_publish_and_no_partial_rows(
    start_registry: Callable[..., RegistryServer],
) -> None:
    registry = start_registry()
    acknowledged: list[dict[str, Any]] = []
    stop = threading.Event()
    threads = _storm(registry, acknowledged, stop)
    deadline = time.monotonic() + STORM_TIMEOUT
    while len(acknowledged) < KILL_AFTER_SUCCESSES and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(acknowledged) >= KILL_AFTER_SUCCESSES, f"only {len(acknowledged)} publishes in {STORM_TIMEOUT} s"
    registry.kill()
    stop.set()
    for thread in threads:
        thread.join(timeout=15)
    assert not any(thread.is_alive() for thread in threads)

    registry.start()
    rows = _all_rows(registry)
    stored = {(row["server"]["name"], row["server"]["version"]): row for row in rows}
    assert len(stored) == len(rows)
    for document in acknowledged:
        row = stored.get((document["name"], document["version"]))
        assert row is not None, f"acknowledged publish lost: {document['name']} {document['version']}"
        assert row["server"] == document
    for row in rows:
        assert [p for p in validate_server_json(row["server"], source="row") if p.severity == "error"] == []
        assert set(row["_meta"][OFFICIAL]) >= OFFICIAL_KEYS
    latest = Counter(row["server"]["name"] for row in rows if row["_meta"][OFFICIAL]["isLatest"])
    assert latest == Counter(dict.fromkeys({row["server"]["name"] for row in rows}, 1))
    for name in latest:
        one = httpx.get(f"{registry.base_url}/v0.1/servers/{encoded(name)}/versions/latest", timeout=10)
        assert one.status_code == 200
    with registry.client() as client:  # the restarted server takes writes again
        assert client.post("/v0.1/publish", json=server_json(NAMES[0], "999.0.0")).status_code == 200
