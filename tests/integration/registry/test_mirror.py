"""``mcpship registry mirror`` from a real running registry into a fresh SQLite database: a faithful copy
(server.json and the official meta, deleted and deprecated versions included), incremental, idempotent,
resumable, and with isLatest right after a backport."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from mcpship.registry.mirror import MirrorProgress, MirrorStateFile, mirror_registry, state_file_for
from mcpship.registry.records import OFFICIAL_META_KEY, ListQuery
from mcpship.registry.service import SqlRegistry
from mcpship.registry_client.client import RegistryClient
from tests.conftest import json_result, mcpship_executable
from tests.integration.registry.conftest import RegistryServer
from tests.shared_data import SHARED

SCHEMA = "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json"
PAGE = 2  # small pages, so every run crosses several cursors
SEED = SHARED / "conformance" / "registry" / "seed.json"


class Source:
    """A running registry we seed through its API with an admin token."""

    def __init__(self, server: RegistryServer) -> None:
        self.server = server
        self.http = server.client()

    @property
    def url(self) -> str:
        return self.server.base_url

    def publish_document(self, document: dict[str, Any]) -> None:
        response = self.http.post("/v0.1/publish", json=document)
        assert response.status_code == 200, response.text

    def publish(self, name: str, version: str) -> None:
        document = {
            "$schema": SCHEMA,
            "name": name,
            "description": f"{name} for mirror tests.",
            "version": version,
            "packages": [
                {"registryType": "pypi", "identifier": "notes-mcp", "version": version, "transport": {"type": "stdio"}}
            ],
        }
        self.publish_document(document)

    def set_status(self, name: str, version: str, status: str, message: str | None = None) -> None:
        body: dict[str, Any] = {"status": status}
        if message is not None:
            body["statusMessage"] = message
        response = self.http.patch(f"/v0.1/servers/{quote(name, safe='')}/versions/{version}/status", json=body)
        assert response.status_code == 200, response.text

    def rows(self) -> list[dict[str, Any]]:
        """Every version the source serves (deleted too), as ``(server, official meta)`` wire pairs."""
        found: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            params: dict[str, Any] = {"include_deleted": "true", "limit": 100}
            if cursor:
                params["cursor"] = cursor
            page = self.http.get("/v0.1/servers", params=params).json()
            found += [_pair(entry) for entry in page["servers"]]
            cursor = page["metadata"].get("nextCursor")
            if not cursor:
                return found


def _pair(entry: dict[str, Any]) -> dict[str, Any]:
    return {"server": entry["server"], "official": entry["_meta"][OFFICIAL_META_KEY]}


def mirrored_rows(database_url: str) -> list[dict[str, Any]]:
    with SqlRegistry.open(database_url) as service:
        page = service.list_servers(ListQuery(include_deleted=True, limit=100))
    return [_pair(entry) for entry in page.to_wire()["servers"]]


def run_mirror_cli(source: Source, database_url: str) -> dict[str, Any]:
    command = [mcpship_executable(), "registry", "mirror", "--from", source.url, "--db", database_url]
    command += ["--limit-per-page", str(PAGE), "--json"]
    env = {**os.environ, "NO_COLOR": "1"}
    completed = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120, check=False)
    assert completed.returncode == 0, completed.stderr
    summary: dict[str, Any] = json_result(completed.stdout)
    return summary


def mirror_in_process(
    source: Source, database_url: str, progress: Callable[[MirrorProgress], None] | None = None
) -> dict[str, Any]:
    with SqlRegistry.open(database_url) as service, httpx.Client(timeout=30) as client:
        report = mirror_registry(
            source.url,
            service,
            client=client,
            state=MirrorStateFile(state_file_for(database_url)),
            page_size=PAGE,
            progress=progress,
        )
    return report.to_json()


@pytest.fixture(scope="module")
def source(start_registry: Callable[..., RegistryServer]) -> Iterator[Source]:
    """Several names: versions, a deleted latest, a deprecation with a message, enough rows for several pages,
    and the official registry's seed examples (icons, remotes, headers, publisher ``_meta``)."""
    seeded = Source(start_registry())
    for document in json.loads(SEED.read_text(encoding="utf-8")):
        seeded.publish_document(document)
    seeded.publish("com.example.mirror/alpha", "1.0.0")
    seeded.publish("com.example.mirror/alpha", "2.0.0")
    seeded.set_status("com.example.mirror/alpha", "2.0.0", "deleted", "published by mistake")
    seeded.publish("com.example.mirror/beta", "1.0.0")
    seeded.set_status("com.example.mirror/beta", "1.0.0", "deprecated", "use gamma")
    for version in ("0.1.0", "0.2.0", "1.0.0"):
        seeded.publish("com.example.mirror/gamma", version)
    seeded.publish("com.example.mirror/delta", "1.0.0-beta.1")
    yield seeded
    seeded.http.close()


@pytest.fixture
def fresh_database(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'mirror.db'}"


def test_a_mirror_reads_exactly_like_its_source_and_a_second_run_changes_nothing(
    source: Source, fresh_database: str, tmp_path: Path
) -> None:
    expected = source.rows()
    assert any(row["official"]["status"] == "deleted" for row in expected)
    assert any(row["official"].get("statusMessage") == "use gamma" for row in expected)

    first = run_mirror_cli(source, fresh_database)

    assert mirrored_rows(fresh_database) == expected
    assert first["source"] == source.url
    assert first["cursor"] is None
    assert first["seen"] == len(expected)
    assert first["changed"] == len(expected)
    assert first["pages"] >= len(expected) // PAGE
    assert first["skipped"] == []
    served = RegistryServer(fresh_database, tmp_path)  # a second registry serving the copy: same API answers
    served.start()
    copy = Source(served)
    try:
        served_rows = copy.rows()
    finally:
        copy.http.close()
        served.stop()
    assert served_rows == expected

    second = run_mirror_cli(source, fresh_database)
    assert (second["changed"], second["seen"]) == (0, 0)
    assert second["updatedSince"] == first["updatedSince"]
    assert mirrored_rows(fresh_database) == expected


def test_after_a_new_publish_only_the_new_version_changes(source: Source, fresh_database: str) -> None:
    mirror_in_process(source, fresh_database)

    source.publish("com.example.mirror/epsilon", "1.0.0")
    report = mirror_in_process(source, fresh_database)

    assert (report["seen"], report["changed"]) == (1, 1)
    assert mirrored_rows(fresh_database) == source.rows()


def test_a_backport_does_not_take_latest_and_the_mirror_agrees(source: Source, fresh_database: str) -> None:
    source.publish("com.example.mirror/zeta", "1.0.0")
    source.publish("com.example.mirror/zeta", "2.0.0")
    mirror_in_process(source, fresh_database)

    source.publish("com.example.mirror/zeta", "1.0.1")
    mirror_in_process(source, fresh_database)

    with SqlRegistry.open(fresh_database) as service:
        latest = service.get_version("com.example.mirror/zeta", "latest")
        backport = service.get_version("com.example.mirror/zeta", "1.0.1")
    assert latest is not None
    assert latest.version == "2.0.0"
    assert backport is not None
    assert backport.official.is_latest is False
    assert mirrored_rows(fresh_database) == source.rows()


def test_a_status_change_on_the_source_reaches_the_mirror_with_its_latest_flag(
    source: Source, fresh_database: str
) -> None:
    source.publish("com.example.mirror/eta", "1.0.0")
    source.publish("com.example.mirror/eta", "1.1.0")
    mirror_in_process(source, fresh_database)

    source.set_status("com.example.mirror/eta", "1.1.0", "deleted")
    report = mirror_in_process(source, fresh_database)

    assert report["changed"] == 2  # 1.1.0 deleted, and 1.0.0 latest again (mcpship dates that flip)
    with SqlRegistry.open(fresh_database) as service:
        latest = service.get_version("com.example.mirror/eta", "latest", include_deleted=True)
    assert latest is not None
    assert latest.version == "1.0.0"
    assert mirrored_rows(fresh_database) == source.rows()


class StopMirrorError(Exception):
    pass


def test_a_mirror_stopped_mid_way_resumes_at_the_next_page(source: Source, fresh_database: str) -> None:
    expected = source.rows()
    pages_before_stop = 2

    def stop_after_two_pages(event: MirrorProgress) -> None:
        if event.pages == pages_before_stop:
            raise StopMirrorError

    with pytest.raises(StopMirrorError):
        mirror_in_process(source, fresh_database, progress=stop_after_two_pages)
    saved = MirrorStateFile(state_file_for(fresh_database)).load(source.url)
    assert saved.cursor is not None
    assert len(mirrored_rows(fresh_database)) == pages_before_stop * PAGE

    resumed = mirror_in_process(source, fresh_database)

    assert resumed["seen"] == len(expected) - pages_before_stop * PAGE
    assert resumed["changed"] == resumed["seen"]
    assert mirrored_rows(fresh_database) == expected
    assert MirrorStateFile(state_file_for(fresh_database)).load(source.url).cursor is None


def test_mirroring_a_registry_that_is_not_there_is_a_clean_error(fresh_database: str) -> None:
    from tests.conftest import free_port

    command = [mcpship_executable(), "registry", "mirror", "--from", f"http://127.0.0.1:{free_port()}"]
    completed = subprocess.run(
        [*command, "--db", fresh_database], capture_output=True, text=True, timeout=60, check=False
    )
    assert completed.returncode == 12, completed.stderr
    assert "could not reach the registry" in completed.stderr
    assert "Traceback" not in completed.stderr


def test_the_source_answers_versions_by_escaped_name(source: Source) -> None:
    """The re-read of a name's versions uses the same escaped path the client sends."""
    with httpx.Client(timeout=30) as http, RegistryClient(source.url, client=http) as client:
        versions = client.list_versions("com.example.mirror/alpha")
    assert sorted(entry["server"]["version"] for entry in versions) == ["1.0.0", "2.0.0"]
