"""Routing for ``/servers/{serverName}/...`` on the *raw* path, so both ``io.github.x%2Fy`` and ``io.github.x/y`` work.

Starlette matches on the decoded path, where ``%2F`` has already become ``/`` and a version containing ``%2F``
would be split in two. A server name has exactly one ``/``: when the first segment, decoded, holds it, the name
was sent encoded (one segment); otherwise the name is the first two segments.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from urllib.parse import unquote

from starlette.datastructures import URLPath
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, NoMatchFound, request_response
from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["ROUTE_TEMPLATE_KEY", "Endpoint", "ServerPathRoute", "split_server_path"]

Endpoint = Callable[[Request], Awaitable[Response]]
ROUTE_TEMPLATE_KEY = "mcpship.route"
"""Scope key holding the matched route template (``/v0.1/servers/{serverName}/versions``), for metrics."""

SUFFIXES = ("/versions", "/versions/{version}", "/versions/{version}/status", "/status")


def split_server_path(rest: str) -> tuple[str, dict[str, str]] | None:
    """``rest`` is the raw path after ``/servers/``; returns (suffix template, decoded path params) or ``None``.

    An unencoded name spans two segments; when that reading fits no route, the first segment alone is tried
    (``/servers/0/versions/0``: name ``0``), so a malformed name gets "Server not found", not "Endpoint not found".
    """
    segments = rest.split("/")
    first = unquote(segments[0])
    if not first:
        return None
    if "/" in first:
        return _match_tail(first, segments[1:])
    if len(segments) >= 2 and segments[1]:
        found = _match_tail(f"{first}/{unquote(segments[1])}", segments[2:])
        if found is not None:
            return found
    return _match_tail(first, segments[1:])


def _match_tail(name: str, tail: list[str]) -> tuple[str, dict[str, str]] | None:
    if any(not segment for segment in tail):
        return None
    params = {"serverName": name}
    if tail == ["versions"]:
        return "/versions", params
    if tail == ["status"]:
        return "/status", params
    if len(tail) in (2, 3) and tail[0] == "versions" and (len(tail) == 2 or tail[2] == "status"):
        params["version"] = unquote(tail[1])
        return ("/versions/{version}" if len(tail) == 2 else "/versions/{version}/status"), params
    return None


class ServerPathRoute(BaseRoute):
    """All per-server operations under one API prefix; ``table`` maps a suffix template to ``{method: endpoint}``."""

    def __init__(self, prefix: str, table: Mapping[str, Mapping[str, Endpoint]]) -> None:
        self.prefix = prefix
        self._root = f"{prefix}/servers/"
        self._raw_root = self._root.encode()
        self._apps: dict[str, dict[str, ASGIApp]] = {
            suffix: {method: request_response(endpoint) for method, endpoint in methods.items()}
            for suffix, methods in table.items()
        }
        for methods in self._apps.values():
            if "GET" in methods:
                methods.setdefault("HEAD", methods["GET"])

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] != "http" or not scope["path"].startswith(self._root):
            return Match.NONE, {}
        raw: bytes = scope.get("raw_path") or scope["path"].encode()
        if not raw.startswith(self._raw_root):  # served under a root_path: fall back to the decoded path
            raw = scope["path"].encode()
        parsed = split_server_path(raw[len(self._raw_root) :].decode("utf-8", "replace"))
        if parsed is None or parsed[0] not in self._apps:
            return Match.NONE, {}
        suffix, params = parsed
        child = {"path_params": params, ROUTE_TEMPLATE_KEY: f"{self._root}{{serverName}}{suffix}"}
        return (Match.FULL if scope["method"] in self._apps[suffix] else Match.PARTIAL), child

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        suffix = scope[ROUTE_TEMPLATE_KEY][len(self._root) + len("{serverName}") :]
        methods = self._apps[suffix]
        app = methods.get(scope["method"])
        if app is None:
            raise HTTPException(405, headers={"Allow": ", ".join(sorted(methods))})
        await app(scope, receive, send)

    def url_path_for(self, name: str, /, **path_params: object) -> URLPath:
        raise NoMatchFound(name, dict(path_params))
