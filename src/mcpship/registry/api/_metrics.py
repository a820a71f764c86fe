"""Prometheus metrics: requests and latency per route *template* (bounded label sets), one registry per app."""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Scope

from mcpship.registry.api._server_route import ROUTE_TEMPLATE_KEY

__all__ = ["Metrics", "route_template"]

_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "mcpship_registry_http_requests",
            "HTTP requests answered, by method, route template and status code.",
            ("method", "route", "status"),
            registry=self.registry,
        )
        self.latency = Histogram(
            "mcpship_registry_http_request_duration_seconds",
            "Time to answer an HTTP request, by method and route template.",
            ("method", "route"),
            buckets=_BUCKETS,
            registry=self.registry,
        )
        reads = Counter(
            "mcpship_registry_read_cache",
            "Cacheable reads (GET of servers, versions, searches), by whether the response cache answered them.",
            ("result",),
            registry=self.registry,
        )
        self.cache_hit, self.cache_miss = reads.labels("hit"), reads.labels("miss")
        self._children: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}
        """(method, route, status) -> (counter, histogram) children: ``labels()`` costs more than the update."""

    def watch_cache_size(self, size: Callable[[], float]) -> None:
        """Export the read cache's size, read at each scrape."""
        Gauge(
            "mcpship_registry_read_cache_bytes",
            "Bytes the in-process read cache holds (bodies, keys and an overhead estimate).",
            registry=self.registry,
        ).set_function(size)

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        children = self._children.get((method, route, status))
        if children is None:
            children = (self.requests.labels(method, route, str(status)), self.latency.labels(method, route))
            self._children[(method, route, status)] = children
        children[0].inc()
        children[1].observe(seconds)

    async def endpoint(self, request: Request) -> Response:
        return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)


def route_template(scope: Scope) -> str:
    """The matched route's template (``/v0.1/servers/{serverName}/versions``), or ``unmatched``."""
    template = scope.get(ROUTE_TEMPLATE_KEY)
    if template is None:
        template = getattr(scope.get("route"), "path", None)
    return str(template) if template is not None else "unmatched"
