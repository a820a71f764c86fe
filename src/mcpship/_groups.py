"""anyio task groups wrap every failure in an ExceptionGroup; callers want the one error that happened."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio

__all__ = ["first_failure", "unwrapped_groups"]


def first_failure(exc: BaseException) -> BaseException:
    """The first non-cancellation exception inside (possibly nested) exception groups."""
    cancelled = anyio.get_cancelled_exc_class()
    while isinstance(exc, BaseExceptionGroup):
        exc = next((e for e in exc.exceptions if not isinstance(e, cancelled)), exc.exceptions[0])
    return exc


@asynccontextmanager
async def unwrapped_groups() -> AsyncIterator[None]:
    """Re-raise a task group's failure as the plain exception it wraps."""
    try:
        yield
    except BaseExceptionGroup as group:
        raise first_failure(group) from None
