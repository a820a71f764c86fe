"""The registry's own Prometheus exporter: event-loop tallies exported as standard counters and histograms."""

from __future__ import annotations

from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from mcpship.registry.api._metrics import Metrics


def _samples(metrics: Metrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = generate_latest(metrics.registry).decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_latencies_land_in_cumulative_buckets_with_inclusive_bounds_and_a_sum() -> None:
    metrics = Metrics()
    for seconds in (0.0004, 0.0005, 0.003, 3.0):
        metrics.observe("GET", "/v0.1/servers", 200, seconds)
    samples = _samples(metrics)
    route = (("method", "GET"), ("route", "/v0.1/servers"))

    def bucket(le: str) -> float:
        return samples[("mcpship_registry_http_request_duration_seconds_bucket", tuple(sorted((*route, ("le", le)))))]

    assert bucket("0.0005") == 2  # 0.0005 itself counts: "le" means less than or equal
    assert bucket("0.001") == 2
    assert bucket("0.005") == 3
    assert bucket("2.5") == 3
    assert bucket("+Inf") == 4
    assert samples[("mcpship_registry_http_request_duration_seconds_count", route)] == 4
    assert abs(samples[("mcpship_registry_http_request_duration_seconds_sum", route)] - 3.0039) < 1e-9


def test_requests_count_per_method_route_and_status_and_cache_results_and_size_are_exported() -> None:
    metrics = Metrics()
    metrics.watch_cache_size(lambda: 1234)
    metrics.observe("GET", "/v0/health", 200, 0.001)
    metrics.observe("GET", "/v0/health", 200, 0.001)
    metrics.observe("GET", "/v0/health", 503, 0.001)
    metrics.cache_hits, metrics.cache_misses = 5, 2
    samples = _samples(metrics)
    health = (("method", "GET"), ("route", "/v0/health"))
    assert samples[("mcpship_registry_http_requests_total", (*health, ("status", "200")))] == 2
    assert samples[("mcpship_registry_http_requests_total", (*health, ("status", "503")))] == 1
    assert samples[("mcpship_registry_read_cache_total", (("result", "hit"),))] == 5
    assert samples[("mcpship_registry_read_cache_total", (("result", "miss"),))] == 2
    assert samples[("mcpship_registry_read_cache_bytes", ())] == 1234
