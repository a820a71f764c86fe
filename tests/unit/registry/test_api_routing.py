"""Pure parts of the API: raw-path server routing, query parsing, the change-counter cache."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from mcpship.registry.api._cache import CacheProbe, ReadCache
from mcpship.registry.api._params import parse_list_query, parse_rfc3339
from mcpship.registry.api._server_route import split_server_path
from mcpship.registry.problems import RegistryHTTPError
from mcpship.registry.records import OfficialMeta


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("io.github.a%2Fb/versions", ("/versions", {"serverName": "io.github.a/b"})),
        ("io.github.a%2fb/versions", ("/versions", {"serverName": "io.github.a/b"})),
        ("io.github.a/b/versions", ("/versions", {"serverName": "io.github.a/b"})),
        ("io.github.a/b/versions/1.0.0", ("/versions/{version}", {"serverName": "io.github.a/b", "version": "1.0.0"})),
        (
            "io.github.a/b/versions/1.0%2B7",
            ("/versions/{version}", {"serverName": "io.github.a/b", "version": "1.0+7"}),
        ),
        ("io.github.a/b/versions/a%2Fb", ("/versions/{version}", {"serverName": "io.github.a/b", "version": "a/b"})),
        (
            "io.github.a%2Fb/versions/2/status",
            ("/versions/{version}/status", {"serverName": "io.github.a/b", "version": "2"}),
        ),
        ("io.github.a/b/status", ("/status", {"serverName": "io.github.a/b"})),
        ("io.github.a/versions/versions", ("/versions", {"serverName": "io.github.a/versions"})),
        ("0/versions/0", ("/versions/{version}", {"serverName": "0", "version": "0"})),
    ],
)
def test_server_paths_route_on_the_raw_path(raw: str, expected: tuple[str, dict[str, str]]) -> None:
    assert split_server_path(raw) == expected


@pytest.mark.parametrize("raw", ["", "io.github.a/b", "io.github.a/b/versions/", "io.github.a/b/other", "a//versions"])
def test_paths_that_are_no_server_operation_do_not_match(raw: str) -> None:
    assert split_server_path(raw) is None


def test_list_query_defaults_and_updated_since_forces_include_deleted() -> None:
    assert parse_list_query({}).limit == 30
    query = parse_list_query({"updated_since": "2025-08-07T13:15:04.280Z", "limit": "100"})
    assert query.include_deleted is True
    assert query.updated_since == datetime(2025, 8, 7, 13, 15, 4, 280000, tzinfo=UTC)


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"limit": "0"}, 422),
        ({"limit": "101"}, 422),
        ({"limit": "x"}, 422),
        ({"include_deleted": "yes"}, 422),
        ({"updated_since": "2025-08-07 13:15:04Z"}, 400),
        ({"updated_since": "2025-08-07T13:15:04"}, 400),
        ({"updated_since": "2025-13-07T13:15:04Z"}, 400),
        ({"updated_since": "2025-08-07T13:15:04Z", "include_deleted": "false"}, 400),
    ],
)
def test_bad_list_parameters_get_upstreams_status(params: dict[str, str], status: int) -> None:
    with pytest.raises(RegistryHTTPError) as raised:
        parse_list_query(params)
    assert raised.value.status == status


def test_rfc3339_accepts_offsets_and_lowercase_separators() -> None:
    assert parse_rfc3339("2025-01-02t03:04:05+02:00").utcoffset() is not None


class _Counter:
    def __init__(self) -> None:
        self.value = 1
        self.reads = 0

    def change_counter(self) -> int:
        self.reads += 1
        return self.value


def _read(cache: ReadCache, key: str, if_none_match: str | None, build: Callable[[], bytes]) -> CacheProbe:
    """What the read endpoints do: probe, build on a miss, store."""
    probe = cache.probe(key, if_none_match)
    if probe.not_modified or probe.body is not None:
        return probe
    body = build()
    cache.store(probe, key, body, "/route")
    return CacheProbe(probe.counter, probe.etag, False, body)


def test_the_read_cache_never_serves_a_body_built_before_the_latest_write() -> None:
    store = _Counter()
    cache = ReadCache(store, read_staleness=0)  # type: ignore[arg-type]
    builds: list[int] = []

    def build() -> bytes:
        builds.append(store.value)
        return f"v{store.value}".encode()

    first = _read(cache, "/v0.1/servers?", None, build)
    assert _read(cache, "/v0.1/servers?", None, build).body == first.body == b"v1"
    assert builds == [1]
    store.value = 2  # a write, in this replica or any other
    second = _read(cache, "/v0.1/servers?", None, build)
    assert second.body == b"v2"
    assert second.etag != first.etag


def test_a_body_built_while_a_write_lands_is_not_kept_for_the_newer_counter() -> None:
    store = _Counter()
    cache = ReadCache(store, read_staleness=0)  # type: ignore[arg-type]
    probe = cache.probe("k", None)
    store.value = 2
    assert cache.probe("k", None).body is None  # another request already saw the write
    cache.store(probe, "k", b"old", "/route")
    assert cache.probe("k", None).body is None


def test_the_read_cache_answers_not_modified_for_a_current_etag() -> None:
    cache = ReadCache(_Counter())  # type: ignore[arg-type]
    etag = _read(cache, "k", None, lambda: b"x").etag
    assert cache.probe("k", etag).not_modified
    assert cache.probe("k", f'"other", {etag.removeprefix("W/")}').not_modified
    assert cache.probe("k", "*").not_modified
    assert not cache.probe("k", '"stale"').not_modified


def test_a_read_staleness_of_zero_reads_the_change_counter_on_every_probe() -> None:
    store = _Counter()
    cache = ReadCache(store, read_staleness=0)  # type: ignore[arg-type]
    for reads in range(1, 6):
        _read(cache, "k", None, lambda: b"x")
        assert store.reads == reads
        assert cache.probe_if_fresh("k", None) is None  # never answers without asking the database


def test_within_the_read_staleness_the_counter_is_remembered_and_another_replicas_write_waits() -> None:
    store = _Counter()
    cache = ReadCache(store, read_staleness=3600)  # type: ignore[arg-type]
    first = _read(cache, "k", None, lambda: b"v1")
    store.value = 2  # a write through another replica
    for _ in range(5):
        hit = cache.probe_if_fresh("k", None)
        assert hit is not None
        assert (hit.body, hit.etag) == (b"v1", first.etag)
    assert store.reads == 1


def test_a_write_through_this_process_is_seen_by_the_next_read_whatever_the_staleness() -> None:
    store = _Counter()
    cache = ReadCache(store, read_staleness=3600)  # type: ignore[arg-type]
    _read(cache, "k", None, lambda: b"v1")
    store.value = 2
    cache.invalidate()  # what the write endpoints do once the store returns
    assert cache.probe_if_fresh("k", None) is None
    assert _read(cache, "k", None, lambda: b"v2").body == b"v2"
    assert cache.probe_if_fresh("k", None) is not None


def test_a_counter_read_that_raced_an_invalidation_does_not_count_as_fresh() -> None:
    class Racing(_Counter):
        def change_counter(self) -> int:
            value = super().change_counter()
            cache.invalidate()  # this process commits a write while the counter read is in flight
            return value

    store = Racing()
    cache = ReadCache(store, read_staleness=3600)  # type: ignore[arg-type]
    cache.probe("k", None)
    assert cache.probe_if_fresh("k", None) is None


def test_a_negative_read_staleness_is_refused() -> None:
    with pytest.raises(ValueError, match="read_staleness"):
        ReadCache(_Counter(), read_staleness=-1)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changed", "updated", "message"),
    [
        (0, 0, None),
        (1, 0, 'moved to "io.github.x/y" \u2014 see https://example.com/?a=1&b=<2>'),
        (0, 5, ""),
        (3_600_000_001, 1, "line\nbreak\ttab \\ \U0001f600"),
    ],
)
def test_the_official_meta_json_text_is_the_json_of_its_wire_form(
    changed: int, updated: int, message: str | None
) -> None:
    published = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    meta = OfficialMeta(
        status="active" if message is None else "deprecated",
        status_changed_at=published + timedelta(microseconds=changed),
        published_at=published,
        updated_at=published + timedelta(microseconds=updated),
        is_latest=message is None,
        status_message=message,
    )
    assert json.loads(meta.to_json()) == meta.to_wire()
    assert list(json.loads(meta.to_json())) == list(meta.to_wire())  # same key order too
