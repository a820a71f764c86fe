"""The mirror's conversation with a source registry (``httpx.MockTransport``), into a recording fake store."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import httpx
import pytest

from mcpship.registry.mirror import (
    MirrorCheckpoint,
    MirrorStateFile,
    mirror_registry,
    official_from_wire,
    state_file_for,
)
from mcpship.registry.records import OFFICIAL_META_KEY, OfficialMeta, RegistryService
from mcpship.registry_client.client import RegistryRequestError

SOURCE = "https://source.test"
SCHEMA = "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json"


def entry(name: str, version: str, updated: str, *, latest: bool = False, status: str = "active") -> dict[str, Any]:
    official = {
        "status": status,
        "statusChangedAt": "2026-01-01T00:00:00Z",
        "publishedAt": "2026-01-01T00:00:00Z",
        "updatedAt": updated,
        "isLatest": latest,
    }
    server = {"$schema": SCHEMA, "name": name, "description": "A server.", "version": version}
    return {"server": server, "_meta": {OFFICIAL_META_KEY: official}}


@dataclass
class FakeStore:
    """Keeps ``(name, version) -> updatedAt``; changes only on a newer one, like the SQL store."""

    rows: dict[tuple[str, str], OfficialMeta] = field(default_factory=dict)
    calls: list[tuple[str, str]] = field(default_factory=list)

    def import_record(self, server: dict[str, Any], official: OfficialMeta) -> bool:
        key = (server["name"], server["version"])
        self.calls.append(key)
        stored = self.rows.get(key)
        if stored is not None and stored.updated_at >= official.updated_at:
            return False
        self.rows[key] = official
        return True


def run(
    pages: dict[str | None, dict[str, Any]],
    store: FakeStore,
    state: MirrorStateFile,
    seen: list[httpx.Request],
    versions: dict[str, list[dict[str, Any]]] | None = None,
) -> dict[str, Any]:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path.endswith("/versions"):
            name = request.url.raw_path.decode().split("/")[3]  # still escaped: io.a%2Fxx
            return httpx.Response(200, json={"servers": (versions or {}).get(name, [])})
        return httpx.Response(200, json=pages[request.url.params.get("cursor")])

    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        report = mirror_registry(SOURCE, cast(RegistryService, store), client=client, state=state, page_size=2)
    return report.to_json()


def test_a_first_pass_reads_everything_then_the_next_asks_only_for_newer_rows(tmp_path: Path) -> None:
    state = MirrorStateFile(tmp_path / "state.json")
    store = FakeStore()
    seen: list[httpx.Request] = []
    pages: dict[str | None, dict[str, Any]] = {
        None: {
            "servers": [entry("io.a/xx", "1", "2026-01-02T00:00:00.123456789Z", latest=True)],
            "metadata": {"nextCursor": "io.a/xx:1"},
        },
        "io.a/xx:1": {"servers": [entry("io.b/yy", "1", "2026-01-03T00:00:00Z", latest=True)], "metadata": {}},
    }

    first = run(pages, store, state, seen)

    assert dict(seen[0].url.params) == {"limit": "2", "include_deleted": "true"}
    assert b"cursor=io.a%2Fxx%3A1" in seen[1].url.query
    assert (first["pages"], first["seen"], first["changed"], first["cursor"]) == (2, 2, 2, None)
    assert first["updatedSince"] == "2026-01-03T00:00:00Z"
    assert state.load(SOURCE) == MirrorCheckpoint(None, None, "2026-01-03T00:00:00Z")

    seen.clear()
    second = run({None: {"servers": [], "metadata": {}}}, store, state, seen)
    assert dict(seen[0].url.params) == {"limit": "2", "updated_since": "2026-01-03T00:00:00Z"}
    assert (second["seen"], second["changed"]) == (0, 0)


def test_a_name_without_a_latest_row_on_the_page_has_its_versions_read_again(tmp_path: Path) -> None:
    store = FakeStore()
    seen: list[httpx.Request] = []
    page = {
        "servers": [
            entry("io.a/xx", "2", "2026-01-05T00:00:00Z", status="deleted"),  # its latest moved, undated, to 1
            entry("io.b/yy", "1", "2026-01-05T00:00:00Z", latest=True),
        ]
    }
    versions = {
        "io.a%2Fxx": [
            entry("io.a/xx", "2", "2026-01-05T00:00:00Z", status="deleted"),
            entry("io.a/xx", "1", "2026-01-01T00:00:00Z", latest=True),
        ]
    }

    report = run({None: page}, store, MirrorStateFile(tmp_path / "s.json"), seen, versions)

    assert [request.url.raw_path for request in seen[1:]] == [b"/v0.1/servers/io.a%2Fxx/versions?include_deleted=true"]
    assert report["refetched"] == 1
    assert store.rows[("io.a/xx", "1")].is_latest
    assert report["changed"] == 3


def test_the_checkpoint_after_each_page_lets_a_stopped_run_resume(tmp_path: Path) -> None:
    state = MirrorStateFile(tmp_path / "s.json")
    store = FakeStore()
    first_page = {
        "servers": [entry("io.a/xx", "1", "2026-01-02T00:00:00Z", latest=True)],
        "metadata": {"nextCursor": "c"},
    }

    def failing(request: httpx.Request) -> httpx.Response:
        if request.url.params.get("cursor") == "c":
            raise httpx.ReadTimeout("source went away", request=request)
        return httpx.Response(200, json=first_page)

    with httpx.Client(transport=httpx.MockTransport(failing)) as client, pytest.raises(RegistryRequestError):
        mirror_registry(SOURCE, cast(RegistryService, store), client=client, state=state, page_size=2)
    assert state.load(SOURCE) == MirrorCheckpoint(None, "c", "2026-01-02T00:00:00Z")

    seen: list[httpx.Request] = []
    last = {"servers": [entry("io.b/yy", "1", "2026-01-03T00:00:00Z", latest=True)], "metadata": {}}
    report = run({"c": last}, store, state, seen)
    assert seen[0].url.params["cursor"] == "c"
    assert "updated_since" not in seen[0].url.params  # the interrupted pass goes on with its own query
    assert (report["seen"], report["changed"]) == (1, 1)
    assert state.load(SOURCE) == MirrorCheckpoint(None, None, "2026-01-03T00:00:00Z")


def test_a_source_that_repeats_its_cursor_is_stopped(tmp_path: Path) -> None:
    loop = {"servers": [entry("io.a/xx", "1", "2026-01-02T00:00:00Z", latest=True)], "metadata": {"nextCursor": "same"}}
    with pytest.raises(RegistryRequestError, match="answered nextCursor 'same' a second time, after 2 page"):
        run({None: loop, "same": loop}, FakeStore(), MirrorStateFile(tmp_path / "s.json"), [])


def test_rows_without_official_meta_are_skipped_with_a_reason(tmp_path: Path) -> None:
    page = {"servers": [{"server": {"name": "io.a/xx", "version": "1"}}, entry("io.b/yy", "1", "2026-01-02T00:00:00Z")]}
    report = run({None: page}, FakeStore(), MirrorStateFile(tmp_path / "s.json"), [])
    assert report["skipped"] == ["io.a/xx 1: no server or no official _meta"]
    assert report["changed"] == 1


def test_official_meta_keeps_the_sources_dates_and_status() -> None:
    meta = official_from_wire(
        {
            "status": "deprecated",
            "statusMessage": "use b",
            "statusChangedAt": "2026-01-02T03:04:05.123456789Z",
            "publishedAt": "2026-01-01T00:00:00Z",
            "updatedAt": "2026-01-03T00:00:00+00:00",
            "isLatest": True,
        }
    )
    assert meta == OfficialMeta(
        status="deprecated",
        status_changed_at=datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=UTC),
        published_at=datetime(2026, 1, 1, tzinfo=UTC),
        updated_at=datetime(2026, 1, 3, tzinfo=UTC),
        is_latest=True,
        status_message="use b",
    )
    with pytest.raises(ValueError, match="unknown status"):
        official_from_wire({"status": "gone", "publishedAt": "2026-01-01T00:00:00Z"})


def test_the_state_file_sits_next_to_a_sqlite_database_and_keeps_other_sources(tmp_path: Path) -> None:
    path = state_file_for(f"sqlite:///{tmp_path / 'registry.db'}")
    assert path == tmp_path / "registry.db.mirror-state.json"
    state = MirrorStateFile(path)
    state.save("https://a.test", MirrorCheckpoint("s", None, "h"))
    state.save("https://b.test", MirrorCheckpoint(None, "c", None))
    assert state.load("https://a.test") == MirrorCheckpoint("s", None, "h")
    assert state.load("https://b.test") == MirrorCheckpoint(None, "c", None)
    assert state_file_for("postgresql+psycopg://reg@/registry").name.endswith(".json")
