"""One build for concurrent misses of the same response.

When a write drops a popular page, every request for it that arrives before the first rebuild finishes would
otherwise run the same query again: under load that herd costs more than the query (a ranked-search page is a
few milliseconds of CPU each) and shows as latency spikes right after writes. Requests that miss while a build
of the same key is in flight wait for it instead.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

__all__ = ["SingleFlight"]

T = TypeVar("T")


class _AbandonedError(Exception):
    """The request that was building was cancelled: a waiter builds instead."""


class SingleFlight(Generic[T]):
    """Event-loop only (not thread-safe): the futures belong to the running loop."""

    def __init__(self) -> None:
        self._pending: dict[Hashable, asyncio.Future[T]] = {}

    def __len__(self) -> int:
        return len(self._pending)

    async def run(self, key: Hashable, build: Callable[[], Awaitable[T]]) -> T:
        """``await build()``, or the result (or error) of the build of ``key`` already under way."""
        while (pending := self._pending.get(key)) is not None:
            try:
                return await asyncio.shield(pending)
            except _AbandonedError:
                continue
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._pending[key] = future
        try:
            value = await build()
        except BaseException as error:
            future.set_exception(_AbandonedError() if isinstance(error, asyncio.CancelledError) else error)
            future.exception()  # retrieved: no "never retrieved" log when nobody was waiting
            raise
        finally:
            if self._pending.get(key) is future:
                del self._pending[key]
        future.set_result(value)
        return value
