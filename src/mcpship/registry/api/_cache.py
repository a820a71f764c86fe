"""Weak ETags and a small in-process cache of encoded read responses, both keyed by the store's change counter.

``RegistryService.change_counter()`` comes from the database and grows with every committed write in any
replica, so an entry is only ever served while the counter it was built under is still current: a write
anywhere makes every cached body unreachable on the next request.
"""

from __future__ import annotations

import threading
import zlib
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mcpship.registry.records import RegistryService

__all__ = ["PROBE_KEY", "CacheProbe", "ReadCache", "cache_key"]

PROBE_KEY = "mcpship.cache_probe"
"""Scope key: the probe the edge middleware already made for this request (one counter read per request)."""


def cache_key(scope: Mapping[str, Any]) -> str:
    raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
    return f"{raw_path.decode('latin-1')}?{scope['query_string'].decode('latin-1')}"


@dataclass(frozen=True)
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
    """Thread-safe. :meth:`probe` costs one change-counter read; :meth:`store` none."""

    def __init__(self, service: RegistryService, *, max_entries: int = 1024) -> None:
        self._service = service
        self._max_entries = max_entries
        self._lock = threading.Lock()
        self._counter: int | None = None
        self._entries: OrderedDict[str, tuple[bytes, str]] = OrderedDict()

    def probe(self, key: str, if_none_match: str | None) -> CacheProbe:
        counter = self._service.change_counter()
        etag = f'W/"{counter:x}-{zlib.crc32(key.encode()):08x}"'
        not_modified = if_none_match is not None and _etag_listed(etag, if_none_match)
        with self._lock:
            if counter != self._counter:
                self._entries.clear()
                self._counter = counter
            entry = self._entries.get(key)
        if entry is None:
            return CacheProbe(counter, etag, not_modified, None)
        return CacheProbe(counter, etag, not_modified, entry[0], entry[1])

    def store(self, probe: CacheProbe, key: str, body: bytes, route: str) -> None:
        """Keep ``body`` (built after ``probe``, so it shows ``probe.counter``'s data or newer) while current."""
        with self._lock:
            if probe.counter == self._counter:
                self._entries[key] = (body, route)
                if len(self._entries) > self._max_entries:
                    self._entries.popitem(last=False)


def _etag_listed(etag: str, header: str) -> bool:
    if header.strip() == "*":
        return True
    opaque = etag[2:]
    return any(candidate.strip().removeprefix("W/") == opaque for candidate in header.split(","))
