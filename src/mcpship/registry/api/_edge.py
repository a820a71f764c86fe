"""The one middleware in front of the router: everything every request pays for, in a single ASGI layer.

- metrics: count and time each request under its route template;
- guards the official registry applies before routing (``internal/api/server.go``): a NUL byte anywhere in the
  path or query is a 400, a trailing slash a 308 to the path without it;
- CORS as upstream (any origin, no credentials): preflights answered here, ``Access-Control-Allow-Origin: *``
  added to responses of requests that carry an ``Origin``;
- the read fast path: a GET whose response is in the read cache for the current change counter is answered
  here (200 or 304) without routing, and on the event loop while the remembered counter is fresh (see
  ``_cache.py``); otherwise the probe rides along in the scope so the endpoint does not check the counter again.
  ``Cache-Control: no-cache`` skips the cached body and the remembered counter: the endpoint rebuilds it.
"""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mcpship.registry.api._cache import PROBE_KEY, ReadCache, cache_key
from mcpship.registry.api._metrics import Metrics, route_template
from mcpship.registry.api._reads import CACHE_CONTROL
from mcpship.registry.problems import problem_response

__all__ = ["CORS_METHODS", "EdgeMiddleware"]

CORS_METHODS = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
_CORS_SIMPLE = [(b"access-control-allow-origin", b"*"), (b"access-control-expose-headers", b"ETag")]
_CORS_MAX_AGE = b"86400"
_CACHEABLE = ("/v0/servers", "/v0.1/servers", "/v0/x/", "/v0.1/x/")


class EdgeMiddleware:
    def __init__(self, app: ASGIApp, metrics: Metrics, cache: ReadCache) -> None:
        self.app = app
        self.metrics = metrics
        self.cache = cache

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        wanted = _Headers(scope)
        status = 500

        async def respond(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                if wanted.origin is not None:
                    message["headers"] = [*message.get("headers", ()), *_CORS_SIMPLE]
            await send(message)

        route: str | None = None
        try:
            route = await self._dispatch(scope, receive, respond, wanted)
        finally:
            elapsed = time.perf_counter() - started
            self.metrics.observe(scope["method"], route or route_template(scope), status, elapsed)

    async def _dispatch(self, scope: Scope, receive: Receive, send: Send, wanted: _Headers) -> str | None:
        """Answer here when possible and return the metrics label for it; else call the app (``None``)."""
        if wanted.origin is not None and wanted.requested_method is not None and scope["method"] == "OPTIONS":
            await _preflight(send, wanted.requested_headers)
            return "preflight"
        early = _guard(scope)
        if early is not None:
            await early(scope, receive, send)
            return "guard"
        if scope["method"] == "GET" and scope["path"].startswith(_CACHEABLE):
            key = cache_key(scope)
            probe = None if wanted.no_cache else self.cache.probe_if_fresh(key, wanted.if_none_match)
            if probe is None:  # the remembered change counter is too old (or not wanted): read it, off the loop
                probe = await self.cache.probe_async(key, wanted.if_none_match, fresh=wanted.no_cache)
            if probe.body is not None:
                self.metrics.cache_hit.inc()
                await _cached(send, probe.etag, None if probe.not_modified else probe.body)
                return probe.route or "unmatched"
            self.metrics.cache_miss.inc()
            scope[PROBE_KEY] = probe
        await self.app(scope, receive, send)
        return None


class _Headers:
    """The request headers this layer needs, found in one pass."""

    __slots__ = ("if_none_match", "no_cache", "origin", "requested_headers", "requested_method")

    def __init__(self, scope: Scope) -> None:
        self.origin: bytes | None = None
        self.if_none_match: str | None = None
        self.no_cache = False
        """``Cache-Control: no-cache`` (or ``Pragma: no-cache``): the client wants the database's answer now."""
        self.requested_method: bytes | None = None
        self.requested_headers: bytes | None = None
        for name, value in scope["headers"]:
            if name == b"origin":
                self.origin = value
            elif name == b"if-none-match":
                self.if_none_match = value.decode("latin-1")
            elif name in (b"cache-control", b"pragma") and b"no-cache" in value.lower():
                self.no_cache = True
            elif name == b"access-control-request-method":
                self.requested_method = value
            elif name == b"access-control-request-headers":
                self.requested_headers = value


def _has_nul(data: bytes) -> bool:
    return b"\x00" in data or b"%00" in data


def _guard(scope: Scope) -> ASGIApp | None:
    raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
    query: bytes = scope.get("query_string", b"")
    if _has_nul(raw_path) or _has_nul(query) or "\x00" in scope["path"]:
        return problem_response(400, "Invalid request: NUL byte in path or query")
    path: str = scope["path"]
    if len(path) > 1 and path.endswith("/"):
        # One leading slash only: "//host/" must not become a protocol-relative redirect elsewhere.
        target = "/" + raw_path.decode("latin-1").strip("/")
        if query:
            target += "?" + query.decode("latin-1")
        return _Redirect(target)
    return None


class _Redirect:
    def __init__(self, location: str) -> None:
        self.location = location.encode("latin-1")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(b"location", self.location), (b"content-length", b"0")]
        await send({"type": "http.response.start", "status": 308, "headers": headers})
        await send({"type": "http.response.body", "body": b""})


async def _preflight(send: Send, requested_headers: bytes | None) -> None:
    headers = [
        (b"access-control-allow-methods", CORS_METHODS.encode()),
        (b"access-control-max-age", _CORS_MAX_AGE),
        (b"content-length", b"0"),
    ]
    if requested_headers:
        headers.append((b"access-control-allow-headers", requested_headers))
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b""})


async def _cached(send: Send, etag: str, body: bytes | None) -> None:
    headers = [(b"etag", etag.encode()), (b"cache-control", CACHE_CONTROL.encode())]
    if body is None:
        await send({"type": "http.response.start", "status": 304, "headers": headers})
        await send({"type": "http.response.body", "body": b""})
        return
    headers += [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})
