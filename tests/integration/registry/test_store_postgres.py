"""The store's core behaviours on a real PostgreSQL 15 (and the same checks on SQLite, side by side)."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, text

from mcpship.registry.problems import RegistryHTTPError
from mcpship.registry.records import PUBLISHER_META_KEY, ListQuery, OfficialMeta, ServerRecord
from mcpship.registry.service import SqlRegistry
from tests.registry_support.fixtures import fresh_database, race_same_version, run_python_concurrently, server_json
from tests.registry_support.postgres import ROLE, PostgresServer
from tests.shared_data import SHARED

ROOT = Path(__file__).resolve().parents[3]
SEED = SHARED / "conformance" / "registry" / "seed.json"
NAME = "io.github.acme/notes"


@pytest.fixture
def empty_postgres_database(postgres_server: PostgresServer) -> Iterator[str]:
    with fresh_database(postgres_server) as url:
        yield url


@pytest.fixture
def postgres_registry(postgres_server: PostgresServer) -> Iterator[SqlRegistry]:
    with fresh_database(postgres_server, migrated=True) as url, SqlRegistry.open(url) as opened:
        yield opened


@pytest.fixture(params=["sqlite", "postgresql"])
def registry(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlRegistry]:
    """The same test on a SQLite file and on PostgreSQL (``postgres_server`` is the session's cluster)."""
    if request.param == "sqlite":
        with SqlRegistry.open(f"sqlite:///{tmp_path / 'registry.db'}") as opened:
            yield opened
        return
    yield request.getfixturevalue("postgres_registry")


def test_seed_entries_read_back_exactly_as_published(registry: SqlRegistry) -> None:
    seed: list[dict[str, Any]] = json.loads(SEED.read_text())
    for server in seed:
        registry.publish(server)
    listed = [record.server for record in registry.list_servers(ListQuery(limit=100)).servers]
    assert sorted(listed, key=lambda s: (s["name"], s["version"])) == sorted(
        seed, key=lambda s: (s["name"], s["version"])
    )
    for server in seed:
        record = registry.get_version(server["name"], server["version"])
        assert record is not None
        assert record.server == server
        assert server in [r.server for r in registry.list_versions(server["name"])]


def test_timestamps_round_trip_as_utc_with_microseconds(registry: SqlRegistry) -> None:
    moment = datetime(2025, 10, 17, 12, 34, 56, 789012, tzinfo=UTC)
    meta = OfficialMeta("deprecated", moment, moment, moment, True, "kept")
    registry.import_record(server_json(), meta)
    assert registry.get_version(NAME, "1.0.0") == ServerRecord(server_json(), meta)
    assert [r.version for r in registry.list_servers(ListQuery(updated_since=moment)).servers] == []
    earlier = moment.replace(microsecond=789011)
    assert [r.version for r in registry.list_servers(ListQuery(updated_since=earlier)).servers] == ["1.0.0"]


def test_latest_moves_by_semver_and_on_deletion(registry: SqlRegistry) -> None:
    for version in ["1.0.0", "2.0.0", "1.5.0", "2.0.0-rc.1", "nightly"]:
        registry.publish(server_json(version=version))
    assert [r.version for r in registry.list_versions(NAME) if r.official.is_latest] == ["2.0.0"]
    registry.set_status(NAME, "2.0.0", "deleted", None)
    new_latest = registry.get_version(NAME, "latest")
    assert new_latest is not None
    assert new_latest.version == "2.0.0-rc.1"
    deleted = registry.get_version(NAME, "2.0.0", include_deleted=True)
    assert deleted is not None
    assert new_latest.official.updated_at == deleted.official.updated_at


def test_duplicates_and_taken_remote_urls_are_refused(registry: SqlRegistry) -> None:
    registry.unique_remote_urls = True
    remote = [{"type": "streamable-http", "url": "https://notes.example.com/mcp"}]
    registry.publish(server_json(remotes=remote))
    for server, message in [
        (server_json(), "invalid version: cannot publish duplicate version: io.github.acme/notes@1.0.0 already exists"),
        (
            server_json(name="io.github.other/notes", remotes=remote),
            "remote URL https://notes.example.com/mcp is already used by server io.github.acme/notes",
        ),
    ]:
        with pytest.raises(RegistryHTTPError) as caught:
            registry.publish(server)
        assert (caught.value.status, caught.value.errors) == (400, [{"message": message}])


def test_cursor_paging_and_filters(registry: SqlRegistry) -> None:
    for index in range(120):
        registry.publish(server_json(name=f"io.github.acme/s{index:03d}", version=f"1.{index % 2}.0"))
    seen: list[str] = []
    cursor: str | None = None
    for _ in range(5):
        page = registry.list_servers(ListQuery(cursor=cursor, limit=50, search="ACME/S"))
        seen.extend(record.name for record in page.servers)
        if not (cursor := page.next_cursor):
            break
    assert seen == [f"io.github.acme/s{index:03d}" for index in range(120)]
    assert len(registry.list_servers(ListQuery(limit=100, version="1.1.0", registry_type="pypi")).servers) == 60
    assert registry.list_servers(ListQuery(limit=100, transport="sse")).servers == []


def test_status_changes_and_no_ops(registry: SqlRegistry) -> None:
    registry.publish(server_json())
    [record] = registry.set_status(NAME, "1.0.0", "deprecated", "old")
    assert (record.official.status, record.official.status_message) == ("deprecated", "old")
    with pytest.raises(RegistryHTTPError) as caught:
        registry.set_status(NAME, None, "deprecated", "old")
    assert caught.value.status == 400
    assert registry.change_counter() == 2


def test_search_ranks_name_matches_first_and_finds_tools(registry: SqlRegistry) -> None:
    tools = {PUBLISHER_META_KEY: {"io.github.stacklok": {"img": {"tools": ["summarise_page"]}}}}
    registry.publish(server_json(name="io.github.acme/notes-mcp", description="Keep notes."))
    registry.publish(server_json(name="io.github.acme/todo", description="Todos with notes."))
    registry.publish(server_json(name="io.github.acme/reader", description="Reads the web.", _meta=tools))
    page = registry.search("notes")
    assert [hit.record.name for hit in page.hits] == ["io.github.acme/notes-mcp", "io.github.acme/todo"]
    assert page.hits[0].rank > page.hits[1].rank
    assert [hit.record.name for hit in registry.search("summarise").hits] == ["io.github.acme/reader"]
    assert [hit.record.name for hit in registry.search("note").hits][:1] == ["io.github.acme/notes-mcp"]
    registry.set_status("io.github.acme/reader", None, "deleted", None)
    assert registry.search("summarise").hits == []


def test_search_pages_merge_text_hits_and_name_substring_hits_in_rank_order(
    registry: SqlRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Text hits and name-substring-only hits are ranked apart and merged per page; paging must see one order."""
    for number in range(3):
        registry.publish(server_json(name=f"io.github.mix/re-ab-{number}"))  # text and name
        registry.publish(server_json(name=f"io.github.mix/pre-ab-{number}"))  # name substring only
        registry.publish(server_json(name=f"io.github.mix/other-{number}", description="Really about abacus."))
    whole = registry.search("re-ab", limit=100)
    names = [hit.record.name for hit in whole.hits]
    assert sorted(names[:3]) == [f"io.github.mix/re-ab-{number}" for number in range(3)]
    assert names[3:6] == [f"io.github.mix/pre-ab-{number}" for number in range(3)]
    assert sorted(names[6:]) == [f"io.github.mix/other-{number}" for number in range(3)]
    assert whole.facts == {"total": 9}
    paged: list[str] = []
    offset: int | None = 0
    while offset is not None:
        page = registry.search("re-ab", limit=2, offset=offset)
        paged += [hit.record.name for hit in page.hits]
        offset = page.next_offset
    assert paged == names
    monkeypatch.setattr("mcpship.registry.service.SEARCH_TOTAL_CAP", 4)
    assert registry.search("re-ab", limit=2).facts == {"total": 4, "total_is_lower_bound": True}
    assert registry.search("pre-ab", limit=2).facts == {"total": 3}


def test_listing_by_name_substring_pages_alike_whether_few_or_many_names_match(
    registry: SqlRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL finds a rare substring's rows through the trigram index and walks in order past a probe size."""
    for number in range(4):
        registry.publish(server_json(name=f"io.github.many/tool-{number}"))
        registry.publish(server_json(name=f"io.github.many/tool-{number}", version="2.0.0"))
    registry.publish(server_json(name="io.github.other/elsewhere"))

    def pages(search: str) -> list[list[str]]:
        found, cursor = [], None
        while True:
            page = registry.list_servers(ListQuery(cursor=cursor, limit=3, search=search))
            found.append([f"{record.name}@{record.server['version']}" for record in page.servers])
            if page.next_cursor is None:
                return found
            cursor = page.next_cursor

    few = pages("MANY/TOOL")
    assert [entry for page in few for entry in page] == [
        f"io.github.many/tool-{number}@{version}" for number in range(4) for version in ("1.0.0", "2.0.0")
    ]
    monkeypatch.setattr("mcpship.registry.service.LIST_SEARCH_PROBE", 2)
    assert pages("MANY/TOOL") == few
    assert pages("nowhere") == [[]]


def test_fifty_threads_publishing_one_version_on_postgres_give_one_success(postgres_registry: SqlRegistry) -> None:
    successes, errors = race_same_version(postgres_registry)
    assert successes == 1
    assert len(errors) == 49
    assert {(e.status, e.errors[0]["message"]) for e in errors} == {
        (400, "invalid version: cannot publish duplicate version: io.github.acme/notes@1.0.0 already exists")
    }
    assert postgres_registry.change_counter() == 1


def test_racing_versions_of_one_name_leave_exactly_one_latest(postgres_registry: SqlRegistry) -> None:
    barrier = threading.Barrier(20, timeout=30)

    def publish(index: int) -> None:
        barrier.wait()
        postgres_registry.publish(server_json(version=f"1.{index}.0"))

    workers = [threading.Thread(target=publish, args=(index,)) for index in range(20)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert [r.version for r in postgres_registry.list_versions(NAME) if r.official.is_latest] == ["1.19.0"]
    assert postgres_registry.change_counter() == 20


MIGRATE = """
import sys
from mcpship.registry.service import SqlRegistry
SqlRegistry.open(sys.argv[1]).close()
"""


def test_two_processes_migrating_one_empty_postgres_database_at_once_both_succeed(empty_postgres_database: str) -> None:
    run_python_concurrently(MIGRATE, [[empty_postgres_database]] * 2, cwd=ROOT)
    with SqlRegistry.open(empty_postgres_database) as registry:  # and a third time, in this process
        with registry.engine.connect() as connection:
            versions = connection.execute(text("SELECT version_num FROM mcpship_registry_version")).scalars()
            assert versions.all() == ["0004"]
        registry.publish(server_json())
        assert registry.change_counter() == 1


def test_postgres_has_the_search_and_trigram_indexes(postgres_registry: SqlRegistry) -> None:
    inspector = inspect(postgres_registry.engine)
    indexes = {index["name"] for index in inspector.get_indexes("servers")}
    assert {"ix_servers_lower_name_trigram", "uq_servers_one_latest_per_name", "ix_servers_updated_at"} <= indexes
    assert "ix_servers_name_trigram" not in indexes  # it also answered name = x, slowly (migration 0003)
    assert {"ix_search_documents_vector", "ix_search_documents_name_trigram"} <= {
        index["name"] for index in inspector.get_indexes("search_documents")
    }
    assert inspector.get_columns("servers")[-1]["name"] == "value"


def test_edits_and_mirror_imports(registry: SqlRegistry) -> None:
    published = registry.publish(server_json(description="First words."))
    edited = registry.edit(NAME, "1.0.0", server_json(description="Better words."))
    assert edited.official.updated_at > published.official.updated_at
    assert [hit.record.server["description"] for hit in registry.search("better").hits] == ["Better words."]
    with pytest.raises(RegistryHTTPError) as caught:
        registry.edit(NAME, "1.0.0", server_json(name="io.github.acme/renamed"))
    assert (caught.value.status, caught.value.detail) == (400, "Cannot rename server")

    moment = datetime(2026, 1, 2, 3, 4, 5, 600_000, tzinfo=UTC)
    source = OfficialMeta("active", moment, moment, moment, True)
    assert registry.import_record(server_json(version="3.0.0"), source)
    assert not registry.import_record(server_json(version="3.0.0", description="stale"), source)
    assert [r.version for r in registry.list_versions(NAME) if r.official.is_latest] == ["3.0.0"]
    assert registry.get_version(NAME, "3.0.0") == ServerRecord(server_json(version="3.0.0"), source)


def test_list_page_name_ranges_are_trusted_only_under_a_code_point_collation(postgres_server: PostgresServer) -> None:
    """The read cache keeps a list page across writes outside its name range only when Python's string order is
    the database's (the test cluster is ``C``); under any other collation every write drops every list page."""
    with fresh_database(postgres_server) as url, SqlRegistry.open(url) as registry:
        assert registry.orders_names_by_code_point
    other = f"collation_{uuid.uuid4().hex}"
    with postgres_server.superuser_connection() as connection:
        connection.execute(
            f"CREATE DATABASE {other} OWNER {ROLE} TEMPLATE template0 LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'".encode()
        )
    try:
        with SqlRegistry.open(postgres_server.url(other)) as registry:
            assert not registry.orders_names_by_code_point
    finally:
        postgres_server.drop_database(other)


def test_the_change_log_says_which_writes_moved_search_rankings(registry: SqlRegistry) -> None:
    name = "io.github.acme/ranked"

    def reranked(write: Any) -> bool:
        counter = registry.change_counter()
        write()
        return registry.changes_since(counter).reranked

    def ranks(word: str) -> list[tuple[str, float]]:
        return [(hit.record.name, hit.rank) for hit in registry.search(word).hits]

    registry.publish(server_json(name="io.github.acme/other", description="Ranked notes, elsewhere."))
    assert reranked(lambda: registry.publish(server_json(name=name, description="Ranked notes.")))  # indexed
    before = ranks("ranked")
    # A new latest version with the same words: no ranking moves, and the index row is left alone.
    assert not reranked(lambda: registry.publish(server_json(name=name, version="1.1.0", description="Ranked notes.")))
    assert ranks("ranked") == before
    assert {hit.record.name: hit.record.version for hit in registry.search("ranked").hits}[name] == "1.1.0"
    assert not reranked(lambda: registry.publish(server_json(name=name, version="0.9.0", description="Other.")))
    assert not reranked(lambda: registry.set_status(name, "1.1.0", "deprecated", "use 2"))
    assert reranked(lambda: registry.publish(server_json(name=name, version="2.0.0", description="Ranked ideas.")))
    assert [found for found, _ in ranks("notes")] == ["io.github.acme/other"]
    assert reranked(lambda: registry.set_status(name, None, "deleted", None))  # no longer indexed at all
    assert [found for found, _ in ranks("ranked")] == ["io.github.acme/other"]


def test_latest_records_answers_the_latest_live_version_of_each_name_in_one_query(registry: SqlRegistry) -> None:
    for name, version in [("io.github.acme/a", "1.0.0"), ("io.github.acme/a", "1.2.0"), ("io.github.acme/b", "1.0.0")]:
        registry.publish(server_json(name=name, version=version))
    registry.publish(server_json(name="io.github.acme/gone", version="1.0.0"))
    registry.set_status("io.github.acme/gone", None, "deleted", None)
    found = registry.latest_records(["io.github.acme/a", "io.github.acme/b", "io.github.acme/gone", "io.github.x/no"])
    assert {name: record.version for name, record in found.items()} == {
        "io.github.acme/a": "1.2.0",
        "io.github.acme/b": "1.0.0",
    }
    assert found["io.github.acme/a"] == registry.get_version("io.github.acme/a", "latest")
    assert registry.latest_records([]) == {}
