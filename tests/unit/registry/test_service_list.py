"""Listing and reading on SQLite: GET /servers semantics (registry.md §1.4-1.5) and a faithful round trip."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from mcpship.registry import service
from mcpship.registry.records import ListQuery, ServerPage
from mcpship.registry.service import LIST_SEARCH_PROBE, SqlRegistry, _orders_by_code_point
from mcpship.registry.store.direct import DirectSQL
from mcpship.registry.store.listing import list_page_sql, substring_page_sql
from tests.registry_support.fixtures import server_json
from tests.shared_data import SHARED

SEED = SHARED / "conformance" / "registry" / "seed.json"
A, B, C = "io.github.acme/a", "io.github.acme/b", "io.github.acme/c"


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[SqlRegistry]:
    with SqlRegistry.open(f"sqlite:///{tmp_path / 'registry.db'}") as opened:
        yield opened


def names_and_versions(registry: SqlRegistry, **query: Any) -> list[str]:
    return [f"{record.name}:{record.version}" for record in registry.list_servers(ListQuery(**query)).servers]


def test_every_seed_entry_reads_back_exactly_as_published(registry: SqlRegistry) -> None:
    seed: list[dict[str, Any]] = json.loads(SEED.read_text())
    assert seed, f"{SEED} is empty"
    for server in seed:
        registry.publish(server)
    listed = {(r.name, r.version): r.server for r in registry.list_servers(ListQuery(limit=100)).servers}
    for server in seed:
        key = (server["name"], server["version"])
        assert listed[key] == server
        record = registry.get_version(*key)
        assert record is not None
        assert record.server == server
        assert server in [record.server for record in registry.list_versions(server["name"])]


def test_servers_are_ordered_by_name_then_version_as_plain_strings(registry: SqlRegistry) -> None:
    for name, version in [("io.github.b/x", "1.0.0"), ("io.github.a/x", "10.0.0"), ("io.github.a/x", "9.0.0")]:
        registry.publish(server_json(name=name, version=version))
    assert names_and_versions(registry) == ["io.github.a/x:10.0.0", "io.github.a/x:9.0.0", "io.github.b/x:1.0.0"]


def test_cursor_paging_returns_each_of_250_servers_exactly_once(registry: SqlRegistry) -> None:
    published = {f"io.github.acme/server-{index:03d}:1.0.{index % 3}" for index in range(250)}
    for entry in published:
        name, version = entry.split(":")
        registry.publish(server_json(name=name, version=version))
    seen: list[str] = []
    cursor = None
    for _ in range(10):
        page = registry.list_servers(ListQuery(cursor=cursor, limit=100))
        seen.extend(f"{record.name}:{record.version}" for record in page.servers)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert sorted(seen) == seen
    assert len(seen) == 250
    assert set(seen) == published


def test_next_cursor_appears_only_on_a_full_page(registry: SqlRegistry) -> None:
    for index in range(4):
        registry.publish(server_json(name=f"io.github.acme/s{index}"))
    first = registry.list_servers(ListQuery(limit=2))
    assert first.next_cursor == "io.github.acme/s1:1.0.0"
    second = registry.list_servers(ListQuery(limit=2, cursor=first.next_cursor))
    assert [r.name for r in second.servers] == ["io.github.acme/s2", "io.github.acme/s3"]
    assert second.next_cursor == "io.github.acme/s3:1.0.0"
    last = registry.list_servers(ListQuery(limit=2, cursor=second.next_cursor))
    assert last.servers == []
    assert last.next_cursor is None
    assert registry.list_servers(ListQuery(limit=3, cursor=second.next_cursor)).next_cursor is None
    partial = registry.list_servers(ListQuery(limit=3, cursor=first.next_cursor))  # two of three: the end
    assert ([r.name for r in partial.servers], partial.next_cursor) == (
        ["io.github.acme/s2", "io.github.acme/s3"],
        None,
    )


def test_a_cursor_without_a_colon_means_names_after_it(registry: SqlRegistry) -> None:
    for name in ["io.github.acme/a", "io.github.acme/b"]:
        registry.publish(server_json(name=name))
        registry.publish(server_json(name=name, version="2.0.0"))
    assert names_and_versions(registry, cursor="io.github.acme/a") == [
        "io.github.acme/b:1.0.0",
        "io.github.acme/b:2.0.0",
    ]


def test_a_cursor_splits_at_the_first_colon_so_versions_may_hold_colons(registry: SqlRegistry) -> None:
    for version in ["1:a", "1:b", "1:c"]:
        registry.publish(server_json(version=version))
    assert names_and_versions(registry, cursor="io.github.acme/notes:1:a") == [
        "io.github.acme/notes:1:b",
        "io.github.acme/notes:1:c",
    ]


def test_search_is_a_case_insensitive_substring_of_the_name_with_wildcards_taken_literally(
    registry: SqlRegistry,
) -> None:
    for name in ["io.github.acme/Notes-MCP", "io.github.acme/todo", "io.github.acme/a_b", "io.github.acme/axb"]:
        registry.publish(server_json(name=name))
    assert names_and_versions(registry, search="NOTES") == ["io.github.acme/Notes-MCP:1.0.0"]
    assert names_and_versions(registry, search="a_b") == ["io.github.acme/a_b:1.0.0"]
    assert names_and_versions(registry, search="%") == []
    assert names_and_versions(registry, search="The notes") == []  # the description is not searched here


def test_version_latest_and_exact_version_filters(registry: SqlRegistry) -> None:
    for version in ["1.0.0", "2.0.0"]:
        registry.publish(server_json(version=version))
    registry.publish(server_json(name="io.github.acme/todo", version="1.0.0"))
    assert names_and_versions(registry, version="latest") == ["io.github.acme/notes:2.0.0", "io.github.acme/todo:1.0.0"]
    assert names_and_versions(registry, version="1.0.0") == ["io.github.acme/notes:1.0.0", "io.github.acme/todo:1.0.0"]


def test_deleted_versions_are_listed_only_on_request(registry: SqlRegistry) -> None:
    registry.publish(server_json(version="1.0.0"))
    registry.publish(server_json(version="2.0.0"))
    registry.set_status("io.github.acme/notes", "1.0.0", "deleted", None)
    assert names_and_versions(registry) == ["io.github.acme/notes:2.0.0"]
    assert names_and_versions(registry, include_deleted=True) == [
        "io.github.acme/notes:1.0.0",
        "io.github.acme/notes:2.0.0",
    ]
    assert registry.get_version("io.github.acme/notes", "1.0.0") is None
    assert registry.get_version("io.github.acme/notes", "1.0.0", include_deleted=True) is not None
    assert [r.version for r in registry.list_versions("io.github.acme/notes")] == ["2.0.0"]


def test_updated_since_is_strictly_after_and_includes_deleted_versions(registry: SqlRegistry) -> None:
    registry.publish(server_json(name="io.github.acme/old"))
    mark = registry.publish(server_json(name="io.github.acme/mark")).official.updated_at
    registry.publish(server_json(name="io.github.acme/new"))
    registry.publish(server_json(name="io.github.acme/gone"))
    registry.set_status("io.github.acme/gone", "1.0.0", "deleted", None)
    assert names_and_versions(registry, updated_since=mark) == ["io.github.acme/gone:1.0.0", "io.github.acme/new:1.0.0"]
    assert names_and_versions(registry, updated_since=datetime(2020, 1, 1, tzinfo=UTC), limit=100) == [
        "io.github.acme/gone:1.0.0",
        "io.github.acme/mark:1.0.0",
        "io.github.acme/new:1.0.0",
        "io.github.acme/old:1.0.0",
    ]


def test_updated_since_sees_the_old_latest_lose_its_flag(registry: SqlRegistry) -> None:
    mark = registry.publish(server_json(version="1.0.0")).official.updated_at
    registry.publish(server_json(version="2.0.0"))
    changed = registry.list_servers(ListQuery(updated_since=mark)).servers
    assert {(r.version, r.official.is_latest) for r in changed} == {("1.0.0", False), ("2.0.0", True)}


def test_registry_type_and_transport_filters(registry: SqlRegistry) -> None:
    registry.publish(server_json(name="io.github.acme/py"))
    npm = {"registryType": "npm", "identifier": "@acme/web", "version": "1.0.0"}
    registry.publish(
        server_json(
            name="io.github.acme/web",
            packages=[{**npm, "transport": {"type": "streamable-http", "url": "http://127.0.0.1:3000/mcp"}}],
        )
    )
    registry.publish(
        server_json(
            name="io.github.acme/hosted", packages=None, remotes=[{"type": "sse", "url": "https://a.example/sse"}]
        )
    )
    assert names_and_versions(registry, registry_type="pypi") == ["io.github.acme/py:1.0.0"]
    assert names_and_versions(registry, registry_type="npm") == ["io.github.acme/web:1.0.0"]
    assert names_and_versions(registry, registry_type="remote") == ["io.github.acme/hosted:1.0.0"]
    assert names_and_versions(registry, registry_type="np") == []
    assert names_and_versions(registry, transport="stdio") == ["io.github.acme/py:1.0.0"]
    assert names_and_versions(registry, transport="streamable-http") == ["io.github.acme/web:1.0.0"]
    assert names_and_versions(registry, transport="sse") == ["io.github.acme/hosted:1.0.0"]
    assert names_and_versions(registry, transport="sse", registry_type="pypi") == []


def test_list_versions_is_newest_publish_first_and_empty_for_an_unknown_name(registry: SqlRegistry) -> None:
    for version in ["2.0.0", "1.0.0", "3.0.0-rc.1"]:
        registry.publish(server_json(version=version))
    assert [r.version for r in registry.list_versions("io.github.acme/notes")] == ["3.0.0-rc.1", "1.0.0", "2.0.0"]
    assert registry.list_versions("io.github.acme/unknown") == []
    assert registry.get_version("io.github.acme/unknown", "latest") is None


def test_latest_records_gives_each_named_servers_latest_live_version(registry: SqlRegistry) -> None:
    for name, version in [(A, "1.0.0"), (A, "2.0.0"), (B, "1.0.0"), (B, "1.1.0"), (C, "0.1.0")]:
        registry.publish(server_json(name=name, version=version))
    registry.set_status(B, "1.1.0", "deleted", None)  # B's flag moves back to 1.0.0
    registry.set_status(C, None, "deleted", None)  # C has no live version
    found = registry.latest_records([A, B, C, "io.github.acme/missing"])
    assert {name: record.version for name, record in found.items()} == {A: "2.0.0", B: "1.0.0"}
    assert found[A] == registry.get_version(A, "2.0.0")
    assert registry.latest_records([B]) == {B: registry.get_version(B, "1.0.0")}
    assert registry.latest_records([]) == {}


class _Collation:
    """A PostgreSQL engine, as far as reading its database's collation goes."""

    def __init__(self, collation: str) -> None:
        self.dialect = SimpleNamespace(name="postgresql")
        self.collation = collation
        self.asked: list[str] = []

    @contextmanager
    def connect(self) -> Iterator[Any]:
        def execute(statement: Any) -> Any:
            self.asked.append(str(statement))
            return SimpleNamespace(scalar_one=lambda: self.collation)

        yield SimpleNamespace(execute=execute)


@pytest.mark.parametrize(
    ("collation", "by_code_point"), [("C", True), ("POSIX", True), ("en_US.UTF-8", False), ("c", False)]
)
def test_postgresql_orders_names_by_code_point_only_under_the_c_or_posix_collation(
    collation: str, by_code_point: bool
) -> None:
    engine = _Collation(collation)
    assert _orders_by_code_point(engine) is by_code_point  # type: ignore[arg-type]
    assert engine.asked == ["SELECT datcollate FROM pg_database WHERE datname = current_database()"]


def test_sqlite_orders_names_by_code_point(registry: SqlRegistry) -> None:
    assert _orders_by_code_point(registry.engine) is True
    assert registry.orders_names_by_code_point is True
    assert registry.quick_point_reads is True


class _Cursor:
    """A DBAPI cursor that hands out prepared results and keeps what it was asked."""

    def __init__(self, results: list[list[tuple[Any, ...]]]) -> None:
        self.results = results
        self.executed: list[tuple[str, tuple[Any, ...]]] = []

    def execute(self, statement: str, parameters: tuple[Any, ...]) -> None:
        self.executed.append((statement, parameters))

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self.results.pop(0)


@pytest.fixture
def as_postgresql(registry: SqlRegistry, monkeypatch: pytest.MonkeyPatch) -> Callable[[list[list[Any]]], _Cursor]:
    """Makes the registry read as on PostgreSQL, its rows coming from the given results in turn."""

    def reading(results: list[list[Any]]) -> _Cursor:
        cursor = _Cursor(results)
        monkeypatch.setattr(registry, "_sql", DirectSQL("postgresql"))
        monkeypatch.setattr(registry, "_direct", SimpleNamespace(run=lambda work: work(cursor)))
        return cursor

    return reading


def _stored_rows(registry: SqlRegistry) -> list[tuple[Any, ...]]:
    sql = registry._sql

    def select(cursor: Any) -> list[tuple[Any, ...]]:
        cursor.execute(f"SELECT {sql.columns} FROM servers ORDER BY name, version", ())
        return list(cursor.fetchall())

    return registry._direct.run(select)


@pytest.mark.parametrize("probed", [1, LIST_SEARCH_PROBE - 1])
def test_on_postgresql_a_substring_list_with_few_matches_is_the_trigram_probe(
    registry: SqlRegistry, as_postgresql: Callable[[list[list[Any]]], _Cursor], probed: int
) -> None:
    registry.publish(server_json(name=A))
    rows = _stored_rows(registry)
    cursor = as_postgresql([[(*row, probed) for row in rows]])
    query = ListQuery(search="acme", limit=5)
    page = registry.list_servers(query)
    assert [(r.name, r.version) for r in page.servers] == [(A, "1.0.0")]
    assert cursor.executed == [substring_page_sql("postgresql", registry._sql.columns, query, LIST_SEARCH_PROBE)]


def test_on_postgresql_a_substring_nothing_matches_is_an_empty_page_at_once(
    registry: SqlRegistry, as_postgresql: Callable[[list[list[Any]]], _Cursor]
) -> None:
    cursor = as_postgresql([[]])
    assert registry.list_servers(ListQuery(search="nothing")) == ServerPage([], None)
    assert len(cursor.executed) == 1


def test_on_postgresql_a_common_substring_walks_the_name_order(
    registry: SqlRegistry, as_postgresql: Callable[[list[list[Any]]], _Cursor]
) -> None:
    for name in [A, B]:
        registry.publish(server_json(name=name))
    rows = _stored_rows(registry)
    cursor = as_postgresql([[(*rows[0], LIST_SEARCH_PROBE)], rows])
    query = ListQuery(search="acme", limit=5)
    assert [r.name for r in registry.list_servers(query).servers] == [A, B]
    columns = registry._sql.columns
    assert cursor.executed == [
        substring_page_sql("postgresql", columns, query, LIST_SEARCH_PROBE),
        list_page_sql("postgresql", columns, query),
    ]


def test_on_postgresql_a_list_without_search_walks_the_name_order(
    registry: SqlRegistry, as_postgresql: Callable[[list[list[Any]]], _Cursor]
) -> None:
    registry.publish(server_json(name=A))
    cursor = as_postgresql([_stored_rows(registry)])
    query = ListQuery(limit=5)
    assert [r.name for r in registry.list_servers(query).servers] == [A]
    assert cursor.executed == [list_page_sql("postgresql", registry._sql.columns, query)]


def test_on_sqlite_a_substring_list_walks_the_name_order(
    registry: SqlRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry.publish(server_json(name=A))
    monkeypatch.setattr(service, "substring_page_sql", None)  # PostgreSQL's probe only
    assert [r.name for r in registry.list_servers(ListQuery(search="acme")).servers] == [A]
