"""An HTTP client for the SDK's Streamable HTTP transport that holds a server to the probe's limits.

The SDK reads a JSON response body whole, however large (it bounds only SSE events). This client's transport
counts every body as it streams in, against one message's size (JSON bodies) and the session's budget (all
bodies), and fails the moment either is exceeded. It asks for uncompressed bodies and refuses compressed
ones, so what is counted is what gets parsed (a small gzip body can expand a thousandfold).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx2

from mcpship._exceptions import ProbeError, ProtocolViolationError
from mcpship.probe.limits import ReadBudget

__all__ = ["bounded_http_client"]

_CONNECT_SECONDS = 30.0
_READ_SECONDS = 300.0  # as the SDK's own client: a server may hold an event stream open


def bounded_http_client(budget: ReadBudget, on_error: Callable[[ProbeError], None]) -> httpx2.AsyncClient:
    """An ``httpx2.AsyncClient`` whose responses are bounded by ``budget``; ``on_error`` hears why one was cut."""
    return httpx2.AsyncClient(
        transport=_BoundedTransport(httpx2.AsyncHTTPTransport(), budget, on_error),
        timeout=httpx2.Timeout(_CONNECT_SECONDS, read=_READ_SECONDS),
        headers={"Accept-Encoding": "identity"},
    )


class _BoundedTransport(httpx2.AsyncBaseTransport):
    def __init__(
        self, inner: httpx2.AsyncBaseTransport, budget: ReadBudget, on_error: Callable[[ProbeError], None]
    ) -> None:
        self._inner = inner
        self._budget = budget
        self._on_error = on_error

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        response = await self._inner.handle_async_request(request)
        assert isinstance(response.stream, httpx2.AsyncByteStream)  # an async transport's body streams async
        encoding = response.headers.get("content-encoding", "identity").strip().lower()
        if encoding not in ("", "identity"):
            await response.aclose()
            raise self._failed(
                ProtocolViolationError(
                    f"{request.url} answered with a {encoding}-compressed body although mcpship asked for none "
                    "(Accept-Encoding: identity)",
                    hint="serve MCP responses uncompressed to clients that ask so",
                )
            )
        media_type = response.headers.get("content-type", "").partition(";")[0].strip().lower()
        per_body = None if media_type == "text/event-stream" else "sent an HTTP response body"  # SSE: per event, by SDK
        return httpx2.Response(
            status_code=response.status_code,
            headers=response.headers,
            stream=_BoundedStream(response.stream, self, per_body),
            extensions=response.extensions,
            request=request,
        )

    def _failed(self, error: ProbeError) -> ProbeError:
        self._on_error(error)
        return error

    async def aclose(self) -> None:
        await self._inner.aclose()


class _BoundedStream(httpx2.AsyncByteStream):
    def __init__(self, inner: httpx2.AsyncByteStream, owner: _BoundedTransport, body: str | None) -> None:
        self._inner = inner
        self._owner = owner
        self._body = body

    async def __aiter__(self) -> AsyncIterator[bytes]:
        size = 0
        budget = self._owner._budget
        async for chunk in self._inner:
            size += len(chunk)
            error = (self._body is not None and budget.too_long(size, self._body)) or budget.charge(chunk)
            if error:
                raise self._owner._failed(error)
            yield chunk

    async def aclose(self) -> None:
        await self._inner.aclose()
