"""The API's read cache: current bodies only, per-name invalidation through the change log, a byte budget."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from mcpship.registry.api._cache import EVERYTHING, CacheProbe, Dependency, ReadCache
from mcpship.registry.records import Changes, SearchRanking

LIST_KEY = "/v0.1/servers?"


class _Store:
    """The two calls the cache makes, over an in-memory change log (``writes[i]`` is counter ``i + 1``'s name)."""

    def __init__(self) -> None:
        self.writes: list[str] = []
        self.versions: list[frozenset[str] | None] = []
        """The versions each write touched (``None``: any)."""
        self.reranks: list[bool] = []
        self.logged_from = 0
        """Log rows before this index were pruned (or never written)."""
        self.reads = 0

    @property
    def value(self) -> int:
        return len(self.writes)

    def write(self, name: str, *versions: str, reranks: bool = True) -> None:
        self.writes.append(name)
        self.versions.append(frozenset(versions) if versions else None)
        self.reranks.append(reranks)

    def change_counter(self) -> int:
        self.reads += 1
        return self.value

    def changes_since(self, counter: int) -> Changes:
        self.reads += 1
        if counter < self.logged_from:
            return Changes(self.value, None)
        touched: dict[str, frozenset[str] | None] = {}
        for name, versions in zip(self.writes[counter:], self.versions[counter:], strict=True):
            known = touched.get(name, frozenset())
            touched[name] = None if known is None or versions is None else known | versions
        return Changes(self.value, frozenset(self.writes[counter:]), touched, any(self.reranks[counter:]))


def _cache(store: _Store, **options: float) -> ReadCache:
    return ReadCache(store, **options)  # type: ignore[arg-type]


def _read(
    cache: ReadCache,
    key: str,
    build: Callable[[], bytes],
    *,
    name: str | None = None,
    depends: Dependency = EVERYTHING,
    if_none_match: str | None = None,
) -> CacheProbe:
    """What the read endpoints do: probe, build on a miss, store (``name``: a one-server read)."""
    probe = cache.probe(key, if_none_match)
    if probe.not_modified or probe.body is not None:
        return probe
    body = build()
    cache.store(probe, key, body, "/route", depends=Dependency.server(name) if name else depends)
    return CacheProbe(probe.counter, probe.etag, False, None)


def _server_key(name: str) -> str:
    return f"/v0.1/servers/{name}/versions/latest?"


def test_the_read_cache_never_serves_a_body_built_before_the_latest_write() -> None:
    store = _Store()
    cache = _cache(store, read_staleness=0)
    builds: list[int] = []

    def build() -> bytes:
        builds.append(store.value)
        return f"v{store.value}".encode()

    first = _read(cache, LIST_KEY, build)
    hit = _read(cache, LIST_KEY, build)
    assert (hit.body, builds) == (b"v0", [0])
    store.write("io.github.x/any")  # a write, in this replica or any other
    second = _read(cache, LIST_KEY, build)
    assert second.body is None
    assert builds == [0, 1]
    assert _read(cache, LIST_KEY, build).body == b"v1"
    assert second.etag != first.etag


def test_a_write_drops_that_servers_entries_and_every_page_but_keeps_other_servers() -> None:
    store = _Store()
    cache = _cache(store, read_staleness=0)
    for name in ("a", "b"):
        _read(cache, _server_key(name), lambda name=name: name.encode(), name=name)  # type: ignore[misc]
    _read(cache, LIST_KEY, lambda: b"page")
    kept = cache.probe(_server_key("b"), None)
    store.write("a")
    assert cache.probe(_server_key("a"), None).body is None
    assert cache.probe(LIST_KEY, None).body is None
    survivor = cache.probe(_server_key("b"), None)
    assert (survivor.body, survivor.etag) == (b"b", kept.etag)  # still valid, so still the same ETag
    assert len(cache) == 1


def test_an_exact_version_survives_writes_that_leave_its_row_alone_but_the_servers_own_lists_do_not() -> None:
    store = _Store()
    cache = _cache(store, read_staleness=0)
    name = "io.github.x/a"
    exact = {version: f"/v0.1/servers/a/versions/{version}?" for version in ("1.0.0", "1.1.0")}
    for version, key in exact.items():
        _read(cache, key, version.encode, depends=Dependency.server(name, version))
    _read(cache, "latest", lambda: b"1.1.0", depends=Dependency.server(name))
    _read(cache, "versions", lambda: b"both", depends=Dependency.server(name))
    store.write(name, "2.0.0", "1.1.0")  # a new latest, taking the flag from 1.1.0
    assert cache.probe(exact["1.0.0"], None).body == b"1.0.0"
    for key in (exact["1.1.0"], "latest", "versions"):
        assert cache.probe(key, None).body is None, key
    store.write(name)  # a change the log cannot pin to versions (a status change of them all)
    assert cache.probe(exact["1.0.0"], None).body is None


def test_a_search_ranking_is_reusable_until_a_write_moves_rankings_even_after_its_page_expired(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = _Store()
    cache = _cache(store, read_staleness=0)
    ranking = SearchRanking((("io.github.x/a", 2.0), ("io.github.x/b", 1.0)), None, {"total": 2})
    page = Dependency(lag=30.0)
    probe = cache.probe("search", None)
    cache.store(probe, "search", b"page", "/route", depends=page, ranking=ranking)
    assert cache.ranking("search") is ranking
    store.write("io.github.x/a", "2.0.0", reranks=False)  # a new latest with the same words
    assert cache.probe("search", None).body == b"page"  # within its lag
    clock = time.monotonic() + 31
    monkeypatch.setattr("mcpship.registry.api._cache.time.monotonic", lambda: clock)
    assert cache.probe("search", None).body is None  # its lag is over: rebuild it ...
    assert cache.ranking("search") is ranking  # ... from the ranking, which no write has moved
    store.write("io.github.x/c", "1.0.0")  # a new document: every ranking may have moved
    cache.probe("other", None)
    assert cache.ranking("search") is None
    probe = cache.probe("search", None)
    cache.store(probe, "search", b"page 2", "/route", depends=page, ranking=ranking)
    assert cache.ranking("search") is ranking
    assert cache.ranking("other") is None  # nothing stored, or stored without a ranking


def test_a_list_page_survives_writes_outside_its_name_range_and_a_short_page_only_before_its_cursor() -> None:
    store = _Store()
    cache = _cache(store, read_staleness=0)
    _read(cache, "full", lambda: b"c..f", depends=Dependency("c", "f"))
    _read(cache, "tail", lambda: b"m..", depends=Dependency("m"))
    for name in ("a", "g", "zz"):  # outside c..f; "a" and "g" are before m
        store.write(name)
    assert cache.probe("full", None).body == b"c..f"
    assert cache.probe("tail", None).body is None  # "zz" lands after the short page's cursor
    _read(cache, "tail", lambda: b"m..", depends=Dependency("m"))
    store.write("f")  # the last name shown: a new version of it may enter the page
    assert cache.probe("full", None).body is None
    assert cache.probe("tail", None).body == b"m.."


def test_a_page_with_a_lag_is_served_for_that_long_after_a_write_then_rebuilt(monkeypatch: pytest.MonkeyPatch) -> None:
    store, clock = _Store(), [1000.0]
    monkeypatch.setattr("mcpship.registry.api._cache.time.monotonic", lambda: clock[0])
    cache = _cache(store, read_staleness=0)
    _read(cache, "search", lambda: b"ranked", depends=Dependency(lag=2.0))
    store.write("a")
    assert cache.probe("search", None).body == b"ranked"  # the cache learns of the write: the lag starts
    clock[0] += 0.9
    assert cache.probe("search", None).body == b"ranked"  # every page gets at least half its lag
    store.write("b")  # a second write does not extend the lag
    clock[0] += 1.1
    assert cache.probe("search", None).body is None  # and at most all of it
    _read(cache, "search", lambda: b"ranked again", depends=Dependency(lag=2.0))
    assert cache.probe("search", None).body == b"ranked again"


def test_pages_made_stale_by_one_write_expire_spread_over_their_lag(monkeypatch: pytest.MonkeyPatch) -> None:
    store, clock = _Store(), [1000.0]
    monkeypatch.setattr("mcpship.registry.api._cache.time.monotonic", lambda: clock[0])
    cache = _cache(store, read_staleness=0)
    keys = [f"search?q=word{number}" for number in range(40)]
    for key in keys:
        _read(cache, key, lambda: b"ranked", depends=Dependency(lag=10.0))
    store.write("a")
    cache.probe("other", None)  # the cache learns of the write: every page's lag starts now
    expired_by_second = []
    for _ in range(11):
        expired_by_second.append(sum(cache.probe(key, None).body is None for key in keys))
        clock[0] += 1.0
    assert expired_by_second[4] == 0  # nothing before half the lag
    assert expired_by_second[10] == len(keys)  # everything once it is over
    assert 0 < expired_by_second[7] < len(keys)  # in between, some: not all rebuilt in the same second


def test_a_filtered_list_page_ignores_writes_to_names_without_its_substring() -> None:
    store = _Store()
    cache = _cache(store, read_staleness=0)
    _read(cache, "search=notes", lambda: b"notes servers", depends=Dependency(contains="notes"))
    store.write("io.github.acme/weather")
    assert cache.probe("search=notes", None).body == b"notes servers"
    store.write("io.github.acme/Team-NOTES")  # names match ASCII case-insensitively, as LIKE/ILIKE do
    assert cache.probe("search=notes", None).body is None


def test_a_fresh_probe_rereads_the_counter_and_ignores_the_cached_body() -> None:
    store = _Store()
    cache = _cache(store, read_staleness=3600)
    _read(cache, "k", lambda: b"v1", depends=Dependency(lag=3600))
    reads = store.reads
    probe = cache.probe("k", None, fresh=True)
    assert probe.body is None
    assert store.reads == reads + 1
    cache.store(probe, "k", b"v2", "/route", depends=EVERYTHING)
    assert cache.probe("k", None).body == b"v2"


def test_a_counter_read_that_finishes_after_a_newer_one_changes_nothing() -> None:
    """Requests that find the remembered counter expired read it side by side; on PostgreSQL they overlap, and
    the older answer may arrive last. It must neither clear the cache nor move the counter back."""

    class Overlapping(_Store):
        overlap = False

        def changes_since(self, counter: int) -> Changes:
            answer = super().changes_since(counter)
            if self.overlap:  # while this read is in flight, a write lands and a newer read applies it
                self.overlap = False
                self.write("a")
                cache.probe("other", None)
            return answer

    store = Overlapping()
    cache = _cache(store, read_staleness=0)
    _read(cache, _server_key("b"), lambda: b"b", name="b")
    store.overlap = True
    cache.probe("k", None)  # its read saw the counter before the write and finishes last
    assert cache.probe(_server_key("b"), None).body == b"b"
    assert cache.probe("k", None).counter == store.value == 1


def test_when_the_change_log_cannot_say_what_changed_everything_goes() -> None:
    store = _Store()
    cache = _cache(store, read_staleness=0)
    _read(cache, _server_key("b"), lambda: b"b", name="b")
    store.write("a")
    store.logged_from = 1  # the log no longer reaches back to the cache's counter
    assert cache.probe(_server_key("b"), None).body is None
    assert len(cache) == 0


def test_a_body_built_while_a_write_lands_is_not_kept() -> None:
    store = _Store()
    cache = _cache(store, read_staleness=0)
    probe = cache.probe("k", None)
    store.write("k-server")
    assert cache.probe("k", None).body is None  # another request already saw the write
    cache.store(probe, "k", b"old", "/route", depends=Dependency.server("k-server"))
    assert cache.probe("k", None).body is None


def test_the_read_cache_answers_not_modified_for_a_current_etag() -> None:
    cache = _cache(_Store())
    etag = _read(cache, "k", lambda: b"x").etag
    assert cache.probe("k", etag).not_modified
    assert cache.probe("k", f'"other", {etag.removeprefix("W/")}').not_modified
    assert cache.probe("k", "*").not_modified
    assert not cache.probe("k", '"stale"').not_modified


def test_the_byte_budget_drops_the_least_recently_used_entries_first() -> None:
    cache = _cache(_Store(), max_bytes=20_000)  # about 12 entries of 1,000 bytes
    body = b"x" * 1_000
    for number in range(10):
        _read(cache, f"k{number}", lambda: body, name=f"n{number}")
    assert cache.probe("k0", None).body == body  # k0 is now the most recently used
    for number in range(10, 20):
        _read(cache, f"k{number}", lambda: body, name=f"n{number}")
    assert cache.size_bytes <= cache.max_bytes
    held = {key for key in (f"k{number}" for number in range(20)) if cache.probe(key, None).body is not None}
    assert "k0" in held
    assert "k1" not in held
    assert "k19" in held
    assert 10 <= len(held) < 20


def test_a_zero_budget_caches_nothing_but_etags_still_work() -> None:
    cache = _cache(_Store(), max_bytes=0)
    etag = _read(cache, "k", lambda: b"x").etag
    assert cache.probe("k", None).body is None
    assert cache.probe("k", etag).not_modified
    assert len(cache) == 0


def test_one_body_larger_than_an_eighth_of_the_budget_is_not_kept() -> None:
    cache = _cache(_Store(), max_bytes=80_000)
    _read(cache, "small", lambda: b"s" * 1_000)
    _read(cache, "large", lambda: b"l" * 10_000)
    assert cache.probe("small", None).body is not None
    assert cache.probe("large", None).body is None


def test_a_read_staleness_of_zero_reads_the_change_counter_on_every_probe() -> None:
    store = _Store()
    cache = _cache(store, read_staleness=0)
    for reads in range(1, 6):
        _read(cache, "k", lambda: b"x")
        assert store.reads == reads
        assert cache.probe_if_fresh("k", None) is None  # never answers without asking the database


def test_within_the_read_staleness_the_counter_is_remembered_and_another_replicas_write_waits() -> None:
    store = _Store()
    cache = _cache(store, read_staleness=3600)
    first = _read(cache, "k", lambda: b"v1", name="s")
    store.write("s")  # a write through another replica
    for _ in range(5):
        hit = cache.probe_if_fresh("k", None)
        assert hit is not None
        assert (hit.body, hit.etag) == (b"v1", first.etag)
    assert store.reads == 1


def test_a_write_through_this_process_is_seen_by_the_next_read_whatever_the_staleness() -> None:
    store = _Store()
    cache = _cache(store, read_staleness=3600)
    _read(cache, "k", lambda: b"v1", name="s")
    store.write("s")
    cache.invalidate()  # what the write endpoints do once the store returns
    assert cache.probe_if_fresh("k", None) is None
    _read(cache, "k", lambda: b"v2", name="s")
    hit = cache.probe_if_fresh("k", None)
    assert hit is not None
    assert hit.body == b"v2"


def test_a_counter_read_that_raced_an_invalidation_does_not_count_as_fresh() -> None:
    class Racing(_Store):
        def change_counter(self) -> int:
            value = super().change_counter()
            cache.invalidate()  # this process commits a write while the counter read is in flight
            return value

    cache = _cache(Racing(), read_staleness=3600)
    cache.probe("k", None)
    assert cache.probe_if_fresh("k", None) is None


@pytest.mark.parametrize("options", [{"read_staleness": -1}, {"max_bytes": -1}])
def test_negative_settings_are_refused(options: dict[str, float]) -> None:
    with pytest.raises(ValueError, match=next(iter(options))):
        _cache(_Store(), **options)
