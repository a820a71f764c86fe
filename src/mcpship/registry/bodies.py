"""Request bodies: the one size limit every route shares, and strict JSON for the routes that parse one.

The limit is applied once, in front of routing (``api/_edge.py``, :func:`limit_body`): a declared
``Content-Length`` over it is refused before a byte is read, and a streamed body is refused as soon as it passes
it, so no route (publish, edit, status, validate, the ``/auth/*`` exchanges) can be made to hold more. The
routes then parse with :func:`read_json`, which answers like upstream's huma: 413 for a body over the limit,
400 for one that is not JSON, 422 (:func:`read_json_object`) for JSON that is not an object.

JSON is RFC 8259 as :mod:`mcpship._strict_json` reads it, nested at most :data:`MAX_JSON_DEPTH` levels, and
duplicate keys are refused too (the registry serves the document again, to readers that may take the other
value); each refusal is one huma error with its location (``body._meta.x[1]``).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.types import Message, Receive, Scope

from mcpship._strict_json import Refusal, StrictJsonError, loads, path_text
from mcpship.registry.limits import MAX_JSON_DEPTH
from mcpship.registry.problems import RegistryHTTPError

__all__ = [
    "body_too_large",
    "declared_length",
    "limit_body",
    "parse_json",
    "read_body",
    "read_json",
    "read_json_object",
]


def body_too_large(limit: int) -> RegistryHTTPError:
    """huma's wording for ``MaxBodyBytes``. ``Connection: close`` makes the server drop the connection after
    answering instead of reading (and discarding) the rest of a body that may be hundreds of megabytes, as Go's
    server does past its small drain allowance."""
    return RegistryHTTPError(413, f"request body is too large limit={limit} bytes", headers={"Connection": "close"})


def declared_length(scope: Scope) -> int | None:
    """The request's ``Content-Length`` when it is a plain number."""
    for name, value in scope["headers"]:
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None


def limit_body(receive: Receive, limit: int) -> Receive:
    """``receive`` that raises a 413 :class:`RegistryHTTPError` once the body read so far exceeds ``limit``.

    The error reaches the route's exception handler like any other refusal; what was read stays at most
    ``limit`` plus one chunk of the server's socket buffer."""
    received = 0

    async def receive_within_limit() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise body_too_large(limit)
        return message

    return receive_within_limit


async def read_body(request: Request) -> bytes:
    """The whole body (the edge has bounded it)."""
    chunks = [chunk async for chunk in request.stream()]
    return b"".join(chunks)


async def read_json(request: Request) -> Any:
    """The body as RFC 8259 JSON; 400 naming where it is not (:func:`parse_json`), or upstream's 400 when empty."""
    body = await read_body(request)
    if not body:
        raise RegistryHTTPError(400, "request body is required")
    return parse_json(body)


def parse_json(body: bytes) -> Any:
    """``body`` as strict JSON (UTF-8, RFC 8259, no duplicate keys, within the depth limit); else huma's 400,
    naming each place."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        not_utf8 = {"message": f"the body is not UTF-8 (invalid byte at offset {error.start})", "location": "body"}
        raise RegistryHTTPError(400, "validation failed", errors=[not_utf8]) from None
    try:
        return loads(text, max_depth=MAX_JSON_DEPTH, refuse_duplicate_keys=True)
    except StrictJsonError as error:
        errors = [{"message": _message(refusal), "location": _location(refusal.path)} for refusal in error.refusals]
        raise RegistryHTTPError(400, "validation failed", errors=errors) from None


def _message(refusal: Refusal) -> str:
    if refusal.kind == "syntax":
        return f"invalid JSON: {refusal.message} at line {refusal.line} column {refusal.column} (char {refusal.offset})"
    return refusal.message


def _location(path: tuple[str | int, ...]) -> str:
    """huma's spelling: ``body``, ``body._meta.x``, ``body.packages[0]``."""
    return "body" + path_text(path)


async def read_json_object(request: Request) -> dict[str, Any]:
    """The body as a JSON object: 400 when it is not JSON, huma's 422 when it is JSON but no object."""
    data = await read_json(request)
    if not isinstance(data, dict):
        raise RegistryHTTPError(422, "validation failed", errors=[{"message": "expected object", "location": "body"}])
    return data
