"""The one layer in front of the application: everything every request pays for, in a single ASGI callable.

It wraps Starlette's whole stack (``RegistryApp.build_middleware_stack``), so a cache hit is answered before any
Starlette layer runs:

- metrics: count and time each request under its route template;
- guards the official registry applies before routing (``internal/api/server.go``): a NUL byte anywhere in the
  path or query is a 400, a trailing slash a 308 to the path without it (other control characters in a name or
  version are a 404, as upstream: publishing refuses them, so nothing stored holds one);
- the request body limit of every route (``bodies.limit_body``): a declared ``Content-Length`` over it is a 413
  before anything is read, a streamed body is cut off with a 413 as soon as it passes it;
- CORS as upstream (any origin, no credentials): preflights answered here, ``Access-Control-Allow-Origin: *``
  added to responses of requests that carry an ``Origin``;
- the read fast path: a GET whose response is in the read cache while the remembered change counter is fresh is
  answered here (200 or 304) on the event loop, with headers encoded when the body was stored: nothing is built
  per hit but the two ASGI messages. Otherwise the counter is read (off the loop) and the probe rides along in the
  scope so the endpoint does not check it again (see ``_cache.py``). ``Cache-Control: no-cache`` skips the cached
  body and the remembered counter: the endpoint rebuilds it.
"""

from __future__ import annotations

import time

from starlette.applications import Starlette
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mcpship.registry.api._cache import CACHE_CONTROL, PROBE_KEY, CachedResponse, ReadCache, cache_key
from mcpship.registry.api._metrics import Metrics, route_template
from mcpship.registry.bodies import body_too_large, declared_length, limit_body
from mcpship.registry.limits import DEFAULT_MAX_BODY_BYTES
from mcpship.registry.problems import problem_response

__all__ = ["CORS_METHODS", "EdgeMiddleware", "RegistryApp"]

CORS_METHODS = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
_CORS_SIMPLE = [(b"access-control-allow-origin", b"*"), (b"access-control-expose-headers", b"ETag")]
_CORS_MAX_AGE = b"86400"
_CACHEABLE = ("/v0/servers", "/v0.1/servers", "/v0/x/", "/v0.1/x/")
_EMPTY_BODY: Message = {"type": "http.response.body", "body": b""}
_BODYLESS = frozenset({"GET", "HEAD", "OPTIONS"})


class RegistryApp(Starlette):
    """Starlette with :class:`EdgeMiddleware` outside its error middleware: hits skip every Starlette layer, and
    errors turned into 500s by Starlette still pass through the edge (counted, with CORS headers)."""

    def __init__(
        self, *, metrics: Metrics, cache: ReadCache, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES, **options: object
    ) -> None:
        super().__init__(**options)  # type: ignore[arg-type]
        self._edge_metrics = metrics
        self._edge_cache = cache
        self._edge_max_body_bytes = max_body_bytes

    def build_middleware_stack(self) -> ASGIApp:
        return EdgeMiddleware(
            super().build_middleware_stack(), self._edge_metrics, self._edge_cache, self._edge_max_body_bytes
        )


class EdgeMiddleware:
    def __init__(
        self, app: ASGIApp, metrics: Metrics, cache: ReadCache, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.cache = cache
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        wanted = _Headers(scope)
        if scope["method"] == "GET" and not wanted.no_cache and scope["path"].startswith(_CACHEABLE):
            hit = self.cache.lookup(cache_key(scope)) if not _needs_guard(scope) else None
            if hit is not None:
                self.metrics.cache_hits += 1
                status = await _send_hit(send, hit, wanted)
                self.metrics.observe("GET", hit.route, status, time.perf_counter() - started)
                return
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
            await _preflight(send, wanted.requested_method, wanted.requested_headers)
            return "preflight"
        early = _guard(scope)
        if early is not None:
            await early(scope, receive, send)
            return "guard"
        if scope["method"] == "GET" and scope["path"].startswith(_CACHEABLE):
            # Not answered by the fast path: the remembered counter is too old (or a fresh one is wanted).
            key = cache_key(scope)
            probe = await self.cache.probe_async(key, wanted.if_none_match, fresh=wanted.no_cache)
            if probe.body is not None:
                self.metrics.cache_hits += 1
                await _cached(send, probe.etag, None if probe.not_modified else probe.body)
                return probe.route or "unmatched"
            self.metrics.cache_misses += 1
            scope[PROBE_KEY] = probe
        elif scope["method"] not in _BODYLESS:
            declared = declared_length(scope)
            if declared is not None and declared > self.max_body_bytes:
                await body_too_large(self.max_body_bytes).response()(scope, receive, send)
                return None
            receive = limit_body(receive, self.max_body_bytes)
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


def _needs_guard(scope: Scope) -> bool:
    """What :func:`_guard` answers for, checked cheaply: the fast path leaves such requests to it."""
    path: str = scope["path"]
    return "\x00" in path or path.endswith("/") or b"%00" in scope["query_string"] or b"\x00" in scope["query_string"]


def _guard(scope: Scope) -> ASGIApp | None:
    raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
    query: bytes = scope.get("query_string", b"")
    if _has_nul(raw_path) or "\x00" in scope["path"]:
        return problem_response(400, "Invalid request: URL path contains null bytes")
    if _has_nul(query):
        return problem_response(400, "Invalid request: query parameters contain null bytes")
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


_CORS_METHOD_SET = frozenset(method.encode() for method in CORS_METHODS.split(", "))


async def _preflight(send: Send, requested_method: bytes | None, requested_headers: bytes | None) -> None:
    """As upstream's rs/cors: the requested method is echoed when allowed, and no method is named otherwise."""
    headers = [(b"access-control-max-age", _CORS_MAX_AGE)]
    method = (requested_method or b"").strip().upper()
    if method in _CORS_METHOD_SET:
        headers.append((b"access-control-allow-methods", method))
    if requested_headers:
        headers.append((b"access-control-allow-headers", requested_headers))
    # 204 as upstream's rs/cors answers a preflight (no body to describe).
    await send({"type": "http.response.start", "status": 204, "headers": headers})
    await send({"type": "http.response.body", "body": b""})


async def _send_hit(send: Send, hit: CachedResponse, wanted: _Headers) -> int:
    """Send the cached response (or a 304); returns the status."""
    if wanted.if_none_match is not None and hit.matches(wanted.if_none_match):
        status, headers, body = 304, hit.not_modified_headers, _EMPTY_BODY
    else:
        status, headers, body = 200, hit.headers, {"type": "http.response.body", "body": hit.body}
    if wanted.origin is not None:
        headers = [*headers, *_CORS_SIMPLE]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send(body)
    return status


async def _cached(send: Send, etag: str, body: bytes | None) -> None:
    headers = [(b"etag", etag.encode()), (b"cache-control", CACHE_CONTROL.encode())]
    if body is None:
        await send({"type": "http.response.start", "status": 304, "headers": headers})
        await send({"type": "http.response.body", "body": b""})
        return
    headers += [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})
