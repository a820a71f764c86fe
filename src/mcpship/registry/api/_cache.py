"""Weak ETags and an in-process, byte-budgeted LRU cache of encoded read responses, kept current through the
store's change counter and change log.

``RegistryService.change_counter()`` comes from the database and grows with every committed write in any
replica; ``changes_since(counter)`` also names the servers written since. Reading them on every request would cost
a database round trip per read, so the cache keeps the last counter for ``read_staleness`` seconds: a write
through *this* process (:meth:`ReadCache.invalidate`) is seen by the next read, a write through another replica
within ``read_staleness`` seconds (clients are told ``max-age=30`` anyway). ``read_staleness=0`` checks on every
request.

When the counter moves, only the responses that can show the written servers go. Each entry is stored with its
:class:`Dependency`, the range of server names whose rows it is made of: one name for a server's own reads
(``…/servers/{name}/versions…``; an exact-version get goes only when the change log names that version: it was
written, or its isLatest flipped), the names from the cursor through the last one shown for a full list page (a
row written outside that range cannot enter or leave the page, since pages are in name order), everything for a
search. A registry is read far more than written, so one publish no longer empties the whole cache. Each entry
keeps the ETag it was built with: it stays valid while nothing it depends on changes.
"""

from __future__ import annotations

import functools
import threading
import time
import zlib
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool

from mcpship.registry.records import Changes, RegistryService, SearchRanking

__all__ = [
    "CACHE_CONTROL",
    "DEFAULT_CACHE_BYTES",
    "DEFAULT_READ_STALENESS",
    "EVERYTHING",
    "PROBE_KEY",
    "CacheProbe",
    "CachedResponse",
    "Dependency",
    "ReadCache",
    "cache_key",
]

CACHE_CONTROL = "public, max-age=30"
"""Every read's ``Cache-Control``: HTTP caches may keep it as long as a ranked-search page may lag a write."""
_CACHE_CONTROL_HEADER = (b"cache-control", CACHE_CONTROL.encode())
_JSON_HEADER = (b"content-type", b"application/json")
DEFAULT_READ_STALENESS = 0.5
DEFAULT_CACHE_BYTES = 256 * 1024 * 1024
"""A ceiling, not a reservation: every read of a 10,000-server registry (3 versions each) takes about 155 MiB."""
_NEVER = float("inf")
_ENTRY_OVERHEAD = 600
"""Bytes an entry costs beyond its body and key (objects, encoded headers, dict slots), roughly, for the budget."""
_RANKED_NAME_BYTES = 120
"""Bytes one (name, rank) of a kept search ranking costs, roughly, for the budget."""
PROBE_KEY = "mcpship.cache_probe"
"""Scope key: the probe the edge middleware already made for this request (one counter check per request)."""


def cache_key(scope: Mapping[str, Any]) -> str:
    raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
    return f"{raw_path.decode('latin-1')}?{scope['query_string'].decode('latin-1')}"


@dataclass(frozen=True, slots=True)
class CacheProbe:
    counter: int
    etag: str
    not_modified: bool
    """The client's ``If-None-Match`` already names the current ETag (answer 304, build nothing)."""
    body: bytes | None
    """The cached body for the current counter, or ``None`` (build it, then :meth:`ReadCache.store` it)."""
    route: str | None = None
    """The route template the cached body was built by (for metrics on the fast path)."""


@dataclass(frozen=True, slots=True)
class Dependency:
    """The server names, ``first`` through ``last`` in code point order (inclusive; ``last=None``: no end), whose
    writes make a cached body stale."""

    first: str = ""
    last: str | None = None
    contains: str = ""
    """Only names containing this (ASCII case-insensitive) count: the ``search=`` substring a list page filters
    by (a server whose name lacks it can neither enter nor leave the page)."""
    version: str | None = None
    """For a server's own reads (``first == last``): the one version the body shows (an exact-version get), so
    writes that leave that version's row alone keep it; ``None``: any version of it (its version list, its
    latest)."""
    lag: float = 0.0
    """Seconds the body may still be served after such a write, at most (ranked search: rebuilding every page on
    every write would cost more than the freshness is worth, and clients may cache reads for 30 s anyway). Each
    entry gets between half and all of it, fixed per key, so the entries one write makes stale expire spread out."""

    @classmethod
    def server(cls, name: str, version: str | None = None) -> Dependency:
        return cls(name, name, version=version)

    def covers(self, name: str) -> bool:
        return (
            self.first <= name
            and (self.last is None or name <= self.last)
            and (not self.contains or self.contains in name.lower())
        )


EVERYTHING = Dependency()


@dataclass(frozen=True, slots=True)
class Ranked:
    epoch: int
    ranking: SearchRanking


class CachedResponse:
    """A stored body with the response headers it is sent with, encoded once (a hit only copies references)."""

    __slots__ = ("body", "depends", "etag", "headers", "not_modified_headers", "ranking", "route", "size")

    def __init__(
        self, body: bytes, route: str, etag: str, depends: Dependency, size: int, ranking: Ranked | None = None
    ) -> None:
        self.body = body
        self.ranking = ranking
        """What the body's search ranking was, with the ranking epoch it holds for (see :meth:`ReadCache.ranking`)."""
        self.route = route
        """The route template the body was built by (for metrics on the fast path)."""
        self.etag = etag
        self.depends = depends
        self.size = size
        validators = [(b"etag", etag.encode()), _CACHE_CONTROL_HEADER]
        self.not_modified_headers = validators
        """Headers of a 304 (treat as read-only: shared by every response)."""
        self.headers = [*validators, _JSON_HEADER, (b"content-length", b"%d" % len(body))]
        """Headers of a 200 (read-only, as above)."""

    def matches(self, if_none_match: str) -> bool:
        """The client's ``If-None-Match`` names this body's ETag (answer 304)."""
        return _etag_listed(self.etag, if_none_match)


class ReadCache:
    """Thread-safe. :meth:`probe_if_fresh` never touches the database (safe on the event loop); :meth:`probe`
    reads the counter when the remembered one is older than ``read_staleness``; :meth:`store` never does.
    ``max_bytes=0`` turns the cache off (ETags and 304s still work)."""

    def __init__(
        self,
        service: RegistryService,
        *,
        max_bytes: int = DEFAULT_CACHE_BYTES,
        read_staleness: float = DEFAULT_READ_STALENESS,
    ) -> None:
        if read_staleness < 0:
            raise ValueError(f"read_staleness must be >= 0 seconds, not {read_staleness}")
        if max_bytes < 0:
            raise ValueError(f"max_bytes must be >= 0, not {max_bytes}")
        self._service = service
        self._max_bytes = max_bytes
        self._max_entry_bytes = max_bytes // 8
        """One page of a rarely used filter must not push out hundreds of small entries."""
        self._staleness = read_staleness
        self._lock = threading.Lock()
        self._counter: int | None = None
        self._fresh_until = 0.0
        self._generation = 0
        """Bumped by :meth:`invalidate`: a counter read that started before it must not count as fresh."""
        self._entries: OrderedDict[str, CachedResponse] = OrderedDict()
        """Least recently used first; read without the lock on the event loop (single dict operations)."""
        self._keys_by_name: dict[str, set[str]] = {}
        """Entries that depend on one server, by its name."""
        self._ranged: dict[str, Dependency] = {}
        """Entries that depend on more (list and search pages): few, so each write tests them all."""
        self._expiring: dict[str, float] = {}
        """Entries a write made stale but whose ``lag`` lets them be served until this ``time.monotonic()``."""
        self._bytes = 0
        self._ranking_epoch = 0
        """Bumped when a change this process learns of may have moved search rankings (``Changes.reranked``)."""

    @property
    def read_staleness(self) -> float:
        return self._staleness

    @property
    def max_bytes(self) -> int:
        return self._max_bytes

    @property
    def size_bytes(self) -> int:
        """Bytes held (bodies, keys and a per-entry overhead estimate)."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)

    def invalidate(self) -> None:
        """This process wrote: the next probe reads the counter (and the change log) again."""
        with self._lock:
            self._generation += 1
            self._fresh_until = 0.0

    def lookup(self, key: str) -> CachedResponse | None:
        """The response cached for ``key`` while the remembered counter is fresh, else ``None`` (then use
        :meth:`probe_async`). Never touches the database nor takes the lock: the hit path of the event loop."""
        if self._counter is None or time.monotonic() >= self._fresh_until:
            return None
        return self._servable(key)

    def _servable(self, key: str) -> CachedResponse | None:
        entry = self._entries.get(key)
        if entry is None or (self._expiring and self._expiring.get(key, _NEVER) <= time.monotonic()):
            return None  # absent, or its lag is over: build it again (``store`` replaces it)
        try:  # noqa: SIM105 - the hit path: contextlib.suppress costs an object per call
            self._entries.move_to_end(key)
        except KeyError:  # dropped by another thread just now: still this counter's body
            pass
        return entry

    def probe_if_fresh(self, key: str, if_none_match: str | None) -> CacheProbe | None:
        """The probe from the remembered counter, or ``None`` when it must be read again (use :meth:`probe`)."""
        counter = self._counter
        if counter is None or time.monotonic() >= self._fresh_until:
            return None
        return self._probe(counter, key, if_none_match)

    def probe(self, key: str, if_none_match: str | None, *, fresh: bool = False) -> CacheProbe:
        """Blocking (may read the counter from the database): call it from a worker thread. ``fresh`` (a request
        with ``Cache-Control: no-cache``): read the counter now and ignore the cached body, so it is rebuilt."""
        if fresh:
            return self._probe(self._read_counter(), key, if_none_match, use_body=False)
        cached = self.probe_if_fresh(key, if_none_match)
        return cached if cached is not None else self._probe(self._read_counter(), key, if_none_match)

    async def probe_async(self, key: str, if_none_match: str | None, *, fresh: bool = False) -> CacheProbe:
        """:meth:`probe_if_fresh`, else :meth:`probe` in a worker thread."""
        cached = None if fresh else self.probe_if_fresh(key, if_none_match)
        if cached is not None:
            return cached
        return await run_in_threadpool(functools.partial(self.probe, key, if_none_match, fresh=fresh))

    def ranking(self, key: str) -> SearchRanking | None:
        """The search ranking stored with ``key``'s body, even one its lag no longer lets be served, while no
        write since it was ranked has changed a search document: a rebuild may reuse it with current records."""
        entry = self._entries.get(key)
        if entry is None or entry.ranking is None or entry.ranking.epoch != self._ranking_epoch:
            return None
        return entry.ranking.ranking

    def store(
        self,
        probe: CacheProbe,
        key: str,
        body: bytes,
        route: str,
        *,
        depends: Dependency,
        ranking: SearchRanking | None = None,
    ) -> None:
        """Keep ``body`` (built after ``probe``, so it shows ``probe.counter``'s data or newer) until a server in
        ``depends`` is written. Dropped if the counter moved since the probe (the body may predate a write whose
        invalidation already ran). ``ranking``: the search ranking the body shows (see :meth:`ranking`)."""
        size = len(body) + len(key) + _ENTRY_OVERHEAD + (len(ranking.ranked) * _RANKED_NAME_BYTES if ranking else 0)
        if size > self._max_entry_bytes:
            return
        with self._lock:
            if probe.counter != self._counter:
                return
            self._discard(key)
            ranked = Ranked(self._ranking_epoch, ranking) if ranking is not None else None
            self._entries[key] = CachedResponse(body, route, probe.etag, depends, size, ranked)
            if depends.first == depends.last:
                self._keys_by_name.setdefault(depends.first, set()).add(key)
            else:
                self._ranged[key] = depends
            self._bytes += size
            while self._bytes > self._max_bytes:
                self._discard(next(iter(self._entries)))

    def _read_counter(self) -> int:
        with self._lock:
            generation, known = self._generation, self._counter
        started = time.monotonic()
        # The first read knows nothing yet: it takes the counter only (the cache is empty anyway).
        service = self._service
        changes = service.changes_since(known) if known is not None else Changes(service.change_counter(), None)
        with self._lock:
            current = self._counter
            if current is not None and current != known and changes.counter <= current:
                # A concurrent read that started later has already applied this much or more: this one is stale
                # (many requests find the remembered counter expired at once and read it side by side).
                return current
            if changes.counter != current:
                if current is None or changes.names is None or changes.counter < current:
                    self._clear()  # the first read, too many changes to name, or the database went backwards
                else:  # ``names`` covers (known, counter], which holds (current, counter] as current >= known
                    self._drop(changes, changes.names)
                    if changes.reranked:
                        self._ranking_epoch += 1
                self._counter = changes.counter
            if generation == self._generation and self._staleness > 0:
                self._fresh_until = started + self._staleness
        return changes.counter

    def _probe(self, counter: int, key: str, if_none_match: str | None, *, use_body: bool = True) -> CacheProbe:
        entry = self._servable(key) if use_body else None
        if entry is not None:
            not_modified = if_none_match is not None and entry.matches(if_none_match)
            return CacheProbe(counter, entry.etag, not_modified, entry.body, entry.route)
        etag = f'W/"{counter:x}-{zlib.crc32(key.encode()):08x}"'
        not_modified = if_none_match is not None and _etag_listed(etag, if_none_match)
        return CacheProbe(counter, etag, not_modified, None)

    # ---- with the lock held ---------------------------------------------------------------------------------

    def _discard(self, key: str) -> None:
        entry = self._entries.pop(key, None)
        if entry is None:
            return
        self._bytes -= entry.size
        self._expiring.pop(key, None)
        if self._ranged.pop(key, None) is None:
            keys = self._keys_by_name.get(entry.depends.first)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self._keys_by_name[entry.depends.first]

    def _drop(self, changes: Changes, names: frozenset[str]) -> None:
        entries = self._entries
        stale = [
            key
            for name in names
            for key in self._keys_by_name.get(name, ())
            if changes.touches(name, entries[key].depends.version)
        ]
        now = time.monotonic()
        for key, depends in self._ranged.items():
            if any(depends.covers(name) for name in names):
                if depends.lag > 0:
                    self._expiring.setdefault(key, now + depends.lag * _lag_share(key))
                else:
                    stale.append(key)
        for key in stale:
            self._discard(key)

    def _clear(self) -> None:
        self._ranking_epoch += 1
        self._entries.clear()
        self._keys_by_name.clear()
        self._ranged.clear()
        self._expiring.clear()
        self._bytes = 0


def _lag_share(key: str) -> float:
    """The part of its ``lag`` (between half and all of it, fixed per key) an entry gets after a write: the pages
    one write makes stale are rebuilt spread over time, not all in the same second (each ranked-search page costs
    milliseconds of SQL; together they would stall the reads around them)."""
    return 0.5 + (zlib.crc32(key.encode()) % 1024) / 2048


def _etag_listed(etag: str, header: str) -> bool:
    if header.strip() == "*":
        return True
    opaque = etag[2:]
    return any(candidate.strip().removeprefix("W/") == opaque for candidate in header.split(","))
