"""The official registry moves ``isLatest`` without dating it (registry.md §3.5, §8.7): when its latest version
is deleted, the previous one becomes latest but keeps its ``updatedAt``, so an ``updated_since`` sync never
sees it. The mirror re-reads the versions of such names; here a real mcpship registry is made to behave like
upstream by restoring the old ``updated_at`` of the row whose flag flipped, straight in its SQLite file."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from mcpship.registry.mirror import MirrorStateFile, mirror_registry, state_file_for
from mcpship.registry.records import OFFICIAL_META_KEY
from mcpship.registry.service import SqlRegistry
from tests.integration.registry.conftest import RegistryServer

NAME = "com.example.upstream/gap"
SCHEMA = "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json"


@pytest.fixture(scope="module")
def backend() -> str:
    return "sqlite"  # the test edits the source's database file directly


def publish(server: RegistryServer, version: str) -> None:
    document = {"$schema": SCHEMA, "name": NAME, "description": "Upstream-like latest flips.", "version": version}
    with server.client() as http:
        assert http.post("/v0.1/publish", json=document).status_code == 200


def mirror(server: RegistryServer, database_url: str) -> int:
    with SqlRegistry.open(database_url) as service, httpx.Client(timeout=30) as client:
        state = MirrorStateFile(state_file_for(database_url))
        return mirror_registry(server.base_url, service, client=client, state=state, page_size=10).changed


def test_a_latest_flag_the_source_moved_without_dating_it_still_reaches_the_mirror(
    start_registry: Callable[..., RegistryServer], tmp_path: Path
) -> None:
    source = start_registry()
    publish(source, "1.0.0")
    publish(source, "2.0.0")
    target = f"sqlite:///{tmp_path / 'mirror.db'}"
    mirror(source, target)

    source_file = source.database_url.removeprefix("sqlite:///")
    with closing(sqlite3.connect(source_file)) as db:
        (dated,) = db.execute("SELECT updated_at FROM servers WHERE name = ? AND version = '1.0.0'", (NAME,)).fetchone()
    with source.client() as http:
        path = f"/v0.1/servers/{quote(NAME, safe='')}/versions/2.0.0/status"
        assert http.patch(path, json={"status": "deleted"}).status_code == 200
    with closing(sqlite3.connect(source_file)) as db, db:  # undo mcpship's dating of the flip, as upstream does
        db.execute("UPDATE servers SET updated_at = ? WHERE name = ? AND version = '1.0.0'", (dated, NAME))
        db.execute("UPDATE registry_state SET change_counter = change_counter + 1")
    with source.client() as http:
        versions = http.get(f"/v0.1/servers/{quote(NAME, safe='')}/versions", params={"include_deleted": "true"})
    by_version = {entry["server"]["version"]: entry["_meta"][OFFICIAL_META_KEY] for entry in versions.json()["servers"]}
    assert by_version["1.0.0"]["isLatest"] is True

    mirror(source, target)

    with SqlRegistry.open(target) as service:
        copied = {
            record.version: record.official.to_wire() for record in service.list_versions(NAME, include_deleted=True)
        }
    assert copied == by_version
