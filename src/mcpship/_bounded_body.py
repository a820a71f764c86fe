"""Read an HTTP body from someone else without trusting its size: counted as it arrives, inflated in bounded pieces.

``httpx`` inflates a gzip chunk whole, so 64 KiB off the wire can become 64 MiB in memory before any cap is
checked. Callers here ask for ``Accept-Encoding: identity`` and read raw chunks; :func:`inflater` still understands
gzip and deflate from a server that compresses anyway, yielding at most 64 KiB at a time. :func:`pieces` and
:func:`apieces` give a response's body that way (sync and async), for the caller to count as it goes;
:func:`read_bounded` is the common case.
"""

from __future__ import annotations

import itertools
import zlib
from collections.abc import AsyncIterator, Callable, Iterable, Iterator

import httpx

__all__ = ["PIECE", "BodyTooLargeError", "apieces", "inflater", "pieces", "raw_encoding", "read_bounded"]

PIECE = 64 * 1024


class BodyTooLargeError(ValueError):
    """The body went past the limit; reading stopped there."""


def inflater(encoding: str) -> Callable[[bytes | None], Iterator[bytes]]:
    """Pieces of at most :data:`PIECE` bytes out of each raw chunk (``None``: the end of the body).
    ``ValueError`` for an encoding other than identity, gzip or deflate, or for data that is not valid."""
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        return lambda chunk: iter((chunk,) if chunk else ())
    if encoding not in ("gzip", "x-gzip", "deflate"):
        raise ValueError(f"the answer came with Content-Encoding {encoding!r}, which was not asked for")
    decompressor = zlib.decompressobj(zlib.MAX_WBITS | 32)  # gzip or zlib header, detected

    def inflate(chunk: bytes | None) -> Iterator[bytes]:
        try:
            if chunk is None:
                while piece := decompressor.flush(PIECE):
                    yield piece
                return
            data = chunk
            while data:
                yield decompressor.decompress(data, PIECE)
                data = decompressor.unconsumed_tail
        except zlib.error as exc:
            raise ValueError(f"the answer is not valid {encoding} data") from exc

    return inflate


def raw_encoding(response: httpx.Response) -> str:
    """The encoding of what :func:`raw_chunks` yields: none for a response built with its content already loaded
    (``httpx.MockTransport``), which httpx has decoded."""
    return "identity" if response.is_stream_consumed else response.headers.get("content-encoding", "identity")


def pieces(response: httpx.Response) -> Iterator[bytes]:
    """The (inflated) body of a streamed sync response, at most :data:`PIECE` bytes at a time; ``ValueError`` as
    :func:`inflater` raises it."""
    inflate = inflater(raw_encoding(response))
    raw: Iterable[bytes] = (response.content,) if response.is_stream_consumed else response.iter_raw()
    for chunk in itertools.chain(raw, (None,)):
        yield from inflate(chunk)


async def apieces(response: httpx.Response) -> AsyncIterator[bytes]:
    """:func:`pieces` of a streamed async response."""
    inflate = inflater(raw_encoding(response))
    if response.is_stream_consumed:
        for piece in inflate(response.content):
            yield piece
    else:
        async for chunk in response.aiter_raw():
            for piece in inflate(chunk):
                yield piece
    for piece in inflate(None):
        yield piece


def read_bounded(response: httpx.Response, limit: int) -> bytes:
    """The whole (inflated) body of a streamed sync response, or :class:`BodyTooLargeError` past ``limit``."""
    body = bytearray()
    for piece in pieces(response):
        body += piece
        if len(body) > limit:
            raise BodyTooLargeError(f"the answer is larger than {limit} bytes")
    return bytes(body)
