"""uvicorn's fast HTTP/1.1 protocol (httptools) with a bound on the request head, which it does not have.

httptools hands the URL to uvicorn piece by piece and gathers each header value itself: a request line or a
header of 50 MB is held whole, twice over, before any route could refuse it. This protocol counts the bytes
received while a request's head is incomplete and answers **431** (``Connection: close``) once they pass
``MAX_REQUEST_HEAD_BYTES``, as Go's server (upstream's) does past its ``MaxHeaderBytes``. The count may include
the tail of the previous pipelined request that arrived in the same read (at most one socket read), which is
why the bound is generous. Bodies are bounded by the app (``bodies.py``).
"""

from __future__ import annotations

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from mcpship._strict_json import dumps
from mcpship.registry.limits import MAX_REQUEST_HEAD_BYTES

__all__ = ["BoundedHeadProtocol"]

_TOO_LARGE = dumps(
    {
        "title": "Request Header Fields Too Large",
        "status": 431,
        "detail": f"request line and headers are larger than {MAX_REQUEST_HEAD_BYTES} bytes",
    }
).encode()
_RESPONSE = (
    b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-type: application/problem+json\r\n"
    b"content-length: " + str(len(_TOO_LARGE)).encode() + b"\r\nconnection: close\r\n\r\n" + _TOO_LARGE
)


class BoundedHeadProtocol(HttpToolsProtocol):
    """``uvicorn.run(..., http=BoundedHeadProtocol)``."""

    _in_head = True
    _head_bytes = 0

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_head = True
        self._head_bytes = 0

    def on_headers_complete(self) -> None:
        self._in_head = False
        super().on_headers_complete()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self._in_head and not self.transport.is_closing():
            self._head_bytes += len(data)
            if self._head_bytes > MAX_REQUEST_HEAD_BYTES:
                self.transport.write(_RESPONSE)
                self.transport.close()
