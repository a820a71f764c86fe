"""Prometheus metrics: requests and latency per route *template* (bounded label sets), one registry per app.

The per-request counts are plain integers kept by the event loop (every request is observed there, and so is
every scrape of ``/metrics``), exported by a collector when scraped: ``prometheus_client``'s own ``Counter`` and
``Histogram`` take a lock and check their state on every update, which cost a cached read a fifth of its time.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterator

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Scope

from mcpship.registry.api._server_route import ROUTE_TEMPLATE_KEY

__all__ = ["Metrics", "route_template"]

_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
_BUCKET_LABELS = (*(repr(bound) for bound in _BUCKETS), "+Inf")
"""As ``prometheus_client`` writes them (``0.0005``, ``1.0``): ``repr`` of these bounds is exactly that."""


class _Latencies:
    """One histogram child: a count per bucket (not cumulative; the last one is ``+Inf``) and the sum."""

    __slots__ = ("counts", "total")

    def __init__(self) -> None:
        self.counts = [0] * (len(_BUCKETS) + 1)
        self.total = 0.0


class Metrics:
    """Observe from the event loop only (no locks): ASGI requests and the ``/metrics`` endpoint both run there."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self._requests: dict[tuple[str, str, int], int] = {}
        self._latencies: dict[tuple[str, str], _Latencies] = {}
        self.cache_hits = 0
        """Cacheable reads the response cache answered."""
        self.cache_misses = 0
        """Cacheable reads that had to be built (or asked for a fresh answer)."""
        self._cache_size: Callable[[], float] | None = None
        self.registry.register(_Exporter(self))

    def watch_cache_size(self, size: Callable[[], float]) -> None:
        """Export the read cache's size, read at each scrape."""
        self._cache_size = size

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        key = (method, route, status)
        self._requests[key] = self._requests.get(key, 0) + 1
        latencies = self._latencies.get((method, route))
        if latencies is None:
            latencies = self._latencies[(method, route)] = _Latencies()
        latencies.counts[bisect_left(_BUCKETS, seconds)] += 1  # "le" is inclusive: the first bound >= seconds
        latencies.total += seconds

    def families(self) -> Iterator[Metric]:
        requests = CounterMetricFamily(
            "mcpship_registry_http_requests",
            "HTTP requests answered, by method, route template and status code.",
            labels=("method", "route", "status"),
        )
        for (method, route, status), count in sorted(self._requests.items()):
            requests.add_metric((method, route, str(status)), count)
        yield requests
        latency = HistogramMetricFamily(
            "mcpship_registry_http_request_duration_seconds",
            "Time to answer an HTTP request, by method and route template.",
            labels=("method", "route"),
        )
        for labels, latencies in sorted(self._latencies.items()):
            cumulative, buckets = 0, []
            for bound, count in zip(_BUCKET_LABELS, latencies.counts, strict=True):
                cumulative += count
                buckets.append((bound, float(cumulative)))
            latency.add_metric(labels, buckets, latencies.total)
        yield latency
        reads = CounterMetricFamily(
            "mcpship_registry_read_cache",
            "Cacheable reads (GET of servers, versions, searches), by whether the response cache answered them.",
            labels=("result",),
        )
        reads.add_metric(("hit",), self.cache_hits)
        reads.add_metric(("miss",), self.cache_misses)
        yield reads
        if self._cache_size is not None:
            yield GaugeMetricFamily(
                "mcpship_registry_read_cache_bytes",
                "Bytes the in-process read cache holds (bodies, keys and an overhead estimate).",
                value=float(self._cache_size()),
            )

    async def endpoint(self, request: Request) -> Response:
        return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)


class _Exporter(Collector):
    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics

    def collect(self) -> Iterator[Metric]:
        return self._metrics.families()


def route_template(scope: Scope) -> str:
    """The matched route's template (``/v0.1/servers/{serverName}/versions``), or ``unmatched``."""
    template = scope.get(ROUTE_TEMPLATE_KEY)
    if template is None:
        template = getattr(scope.get("route"), "path", None)
    return str(template) if template is not None else "unmatched"
