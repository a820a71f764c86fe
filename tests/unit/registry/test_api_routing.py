"""Pure parts of the API: raw-path server routing, query parsing, the change-counter cache."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from mcpship.registry.api._cache import CacheProbe, ReadCache
from mcpship.registry.api._params import parse_list_query, parse_rfc3339
from mcpship.registry.api._server_route import split_server_path
from mcpship.registry.problems import RegistryHTTPError


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

    def change_counter(self) -> int:
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
    cache = ReadCache(store)  # type: ignore[arg-type]
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
    cache = ReadCache(store)  # type: ignore[arg-type]
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
