"""Weak ETags and a small in-process cache of encoded read responses, both keyed by the store's change counter.

``RegistryService.change_counter()`` comes from the database and grows with every committed write in any
replica. Reading it on every request would cost a database round trip per read, so the cache keeps the last
value for ``read_staleness`` seconds: a write through *this* process (:meth:`ReadCache.invalidate`) is seen by
the next read, a write through another replica within ``read_staleness`` seconds (clients are told
``max-age=30`` anyway). ``read_staleness=0`` reads the counter on every request.
"""

from __future__ import annotations

import threading
import time
import zlib
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool

from mcpship.registry.records import RegistryService

__all__ = ["DEFAULT_READ_STALENESS", "PROBE_KEY", "CacheProbe", "ReadCache", "cache_key"]

DEFAULT_READ_STALENESS = 0.5
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


class ReadCache:
    """Thread-safe. :meth:`probe_if_fresh` never touches the database (safe on the event loop); :meth:`probe`
    reads the counter when the remembered one is older than ``read_staleness``; :meth:`store` never does."""

    def __init__(
        self, service: RegistryService, *, max_entries: int = 1024, read_staleness: float = DEFAULT_READ_STALENESS
    ) -> None:
        if read_staleness < 0:
            raise ValueError(f"read_staleness must be >= 0 seconds, not {read_staleness}")
        self._service = service
        self._max_entries = max_entries
        self._staleness = read_staleness
        self._lock = threading.Lock()
        self._counter: int | None = None
        self._fresh_until = 0.0
        self._generation = 0
        """Bumped by :meth:`invalidate`: a counter read that started before it must not count as fresh."""
        self._entries: OrderedDict[str, tuple[int, bytes, str, str]] = OrderedDict()
        """key -> (counter, body, route, etag); read without the lock on the event loop, hence the counter."""

    @property
    def read_staleness(self) -> float:
        return self._staleness

    def invalidate(self) -> None:
        """This process wrote: the next probe reads the counter again."""
        with self._lock:
            self._generation += 1
            self._fresh_until = 0.0

    def probe_if_fresh(self, key: str, if_none_match: str | None) -> CacheProbe | None:
        """The probe from the remembered counter, or ``None`` when it must be read again (use :meth:`probe`)."""
        counter = self._counter
        if counter is None or time.monotonic() >= self._fresh_until:
            return None
        return self._probe(counter, key, if_none_match)

    def probe(self, key: str, if_none_match: str | None) -> CacheProbe:
        """Blocking (may read the counter from the database): call it from a worker thread."""
        fresh = self.probe_if_fresh(key, if_none_match)
        return fresh if fresh is not None else self._probe(self._read_counter(), key, if_none_match)

    async def probe_async(self, key: str, if_none_match: str | None) -> CacheProbe:
        """:meth:`probe_if_fresh`, else :meth:`probe` in a worker thread."""
        fresh = self.probe_if_fresh(key, if_none_match)
        return fresh if fresh is not None else await run_in_threadpool(self.probe, key, if_none_match)

    def store(self, probe: CacheProbe, key: str, body: bytes, route: str) -> None:
        """Keep ``body`` (built after ``probe``, so it shows ``probe.counter``'s data or newer) while current."""
        with self._lock:
            if probe.counter == self._counter:
                self._entries[key] = (probe.counter, body, route, probe.etag)
                if len(self._entries) > self._max_entries:
                    self._entries.popitem(last=False)

    def _read_counter(self) -> int:
        with self._lock:
            generation = self._generation
        started = time.monotonic()
        counter = self._service.change_counter()
        with self._lock:
            if counter != self._counter:
                self._entries.clear()
                self._counter = counter
            if generation == self._generation and self._staleness > 0:
                self._fresh_until = started + self._staleness
        return counter

    def _probe(self, counter: int, key: str, if_none_match: str | None) -> CacheProbe:
        entry = self._entries.get(key)
        if entry is not None and entry[0] == counter:
            _, body, route, etag = entry
            not_modified = if_none_match is not None and _etag_listed(etag, if_none_match)
            return CacheProbe(counter, etag, not_modified, body, route)
        etag = f'W/"{counter:x}-{zlib.crc32(key.encode()):08x}"'
        not_modified = if_none_match is not None and _etag_listed(etag, if_none_match)
        return CacheProbe(counter, etag, not_modified, None)


def _etag_listed(etag: str, header: str) -> bool:
    if header.strip() == "*":
        return True
    opaque = etag[2:]
    return any(candidate.strip().removeprefix("W/") == opaque for candidate in header.split(","))
