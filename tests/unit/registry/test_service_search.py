"""Ranked full-text search on SQLite (FTS5, bm25 with the name weighted highest)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mcpship.registry import service
from mcpship.registry.records import PUBLISHER_META_KEY
from mcpship.registry.service import SqlRegistry
from tests.registry_support.fixtures import server_json


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[SqlRegistry]:
    with SqlRegistry.open(f"sqlite:///{tmp_path / 'registry.db'}") as opened:
        opened.publish(server_json(name="io.github.acme/notes-mcp", description="Take and search notes."))
        opened.publish(server_json(name="io.github.acme/todo", description="Todo lists with notes attached."))
        opened.publish(server_json(name="io.github.acme/weather", description="Forecasts.", title="Weather Now"))
        opened.publish(
            server_json(
                name="io.github.acme/kitchen",
                description="Recipes.",
                _meta={PUBLISHER_META_KEY: {"io.github.mcpship/interface": {"tools": [{"name": "convert_units"}]}}},
            )
        )
        for index in range(6):
            opened.publish(server_json(name=f"io.github.filler/f{index}", description=f"Filler number {index}."))
        yield opened


def found(registry: SqlRegistry, text: str, **options: object) -> list[str]:
    return [hit.record.name for hit in registry.search(text, **options).hits]  # type: ignore[arg-type]


def test_a_name_match_ranks_above_a_description_match(registry: SqlRegistry) -> None:
    page = registry.search("notes")
    assert [hit.record.name for hit in page.hits] == ["io.github.acme/notes-mcp", "io.github.acme/todo"]
    assert page.hits[0].rank > page.hits[1].rank
    assert page.facts == {"total": 2}


def test_word_prefixes_and_name_parts_match(registry: SqlRegistry) -> None:
    assert found(registry, "note") == ["io.github.acme/notes-mcp", "io.github.acme/todo"]
    assert found(registry, "notes-mcp") == ["io.github.acme/notes-mcp"]
    assert found(registry, "io.github.acme/notes-mcp") == ["io.github.acme/notes-mcp"]
    assert found(registry, "tes-m") == ["io.github.acme/notes-mcp"]  # a plain substring of the name


def test_titles_and_tool_names_are_searched(registry: SqlRegistry) -> None:
    assert found(registry, "weather now") == ["io.github.acme/weather"]
    assert found(registry, "convert_units") == ["io.github.acme/kitchen"]
    assert found(registry, "convert") == ["io.github.acme/kitchen"]


def test_all_words_must_match(registry: SqlRegistry) -> None:
    assert found(registry, "notes attached") == ["io.github.acme/todo"]
    assert found(registry, "notes forecasts") == []


def test_only_the_latest_non_deleted_version_is_found(registry: SqlRegistry) -> None:
    registry.publish(server_json(name="io.github.acme/weather", version="2.0.0", description="Storm alerts."))
    assert found(registry, "forecasts") == []
    [hit] = registry.search("storm").hits
    assert hit.record.version == "2.0.0"
    registry.set_status("io.github.acme/weather", "2.0.0", "deleted", None)
    assert found(registry, "storm") == []
    assert found(registry, "forecasts") == ["io.github.acme/weather"]
    registry.set_status("io.github.acme/weather", None, "deleted", None)
    assert found(registry, "weather") == []
    registry.set_status("io.github.acme/weather", None, "deprecated", "old")
    assert found(registry, "weather") == ["io.github.acme/weather"]


def test_an_edit_is_searchable_at_once(registry: SqlRegistry) -> None:
    registry.edit("io.github.acme/todo", "1.0.0", server_json(name="io.github.acme/todo", description="Checklists."))
    assert found(registry, "checklists") == ["io.github.acme/todo"]
    assert found(registry, "attached") == []


def test_paging_by_offset(registry: SqlRegistry) -> None:
    first = registry.search("filler", limit=4)
    assert first.next_offset == 4
    assert first.facts == {"total": 6}
    second = registry.search("filler", limit=4, offset=first.next_offset)
    assert second.next_offset is None
    names = [hit.record.name for hit in [*first.hits, *second.hits]]
    assert sorted(names) == [f"io.github.filler/f{index}" for index in range(6)]
    assert registry.search("filler", limit=4, offset=40).facts == {"total": 6}


def test_filters_and_punctuation_only_queries(registry: SqlRegistry) -> None:
    registry.publish(
        server_json(
            name="io.github.acme/notes-remote", packages=None, remotes=[{"type": "sse", "url": "https://n.example"}]
        )
    )
    assert found(registry, "notes", registry_type="remote") == ["io.github.acme/notes-remote"]
    assert found(registry, "notes", transport="stdio") == ["io.github.acme/notes-mcp", "io.github.acme/todo"]
    assert found(registry, '"%_*') == []


def test_an_empty_query_lists_every_latest_server_by_name(registry: SqlRegistry) -> None:
    names = found(registry, "", limit=100)
    assert names == sorted(names)
    assert len(names) == 10


def test_a_page_holding_exactly_the_remaining_hits_is_the_last(registry: SqlRegistry) -> None:
    page = registry.search("notes", limit=2)
    assert (page.next_offset, page.facts) == (None, {"total": 2})


def test_a_search_pages_30_hits_by_default(registry: SqlRegistry) -> None:
    for index in range(6, 31):
        registry.publish(server_json(name=f"io.github.filler/f{index}", description=f"Filler number {index}."))
    page = registry.search("filler")
    assert (len(page.hits), page.next_offset, page.facts) == (30, 30, {"total": 31})


def test_the_total_is_counted_up_to_the_cap_and_past_it_is_a_lower_bound(
    registry: SqlRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "SEARCH_TOTAL_CAP", 4)  # six fillers match
    assert registry.search("filler", limit=2).facts == {"total": 4, "total_is_lower_bound": True}
    monkeypatch.setattr(service, "SEARCH_TOTAL_CAP", 6)
    assert registry.search("filler", limit=2).facts == {"total": 6}


def test_a_page_reads_one_row_past_its_limit_and_counts_only_when_it_cannot_tell_the_total(
    registry: SqlRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = registry._search
    asked: list[tuple[str, int]] = []
    query, count = backend.query, backend.count

    def querying(connection: Any, text: str, *, limit: int, offset: int, filters: Any) -> Any:
        asked.append(("query", limit))
        return query(connection, text, limit=limit, offset=offset, filters=filters)

    def counting(connection: Any, text: str, *, filters: Any, cap: int) -> int:
        asked.append(("count", cap))
        return count(connection, text, filters=filters, cap=cap)

    monkeypatch.setattr(backend, "query", querying)
    monkeypatch.setattr(backend, "count", counting)
    assert registry.search("filler", limit=6).facts == {"total": 6}  # exactly the six fillers: the last page
    assert registry.search("filler", limit=3, offset=3).facts == {"total": 6}  # a later last page
    assert asked == [("query", 7), ("query", 4)]
    asked.clear()
    assert registry.search("filler", limit=5).facts == {"total": 6}  # more follow: counted, to one past the cap
    assert registry.search("filler", limit=3, offset=9).facts == {"total": 6}  # past the end: counted
    assert asked == [
        ("query", 6),
        ("count", service.SEARCH_TOTAL_CAP + 1),
        ("query", 4),
        ("count", service.SEARCH_TOTAL_CAP + 1),
    ]
