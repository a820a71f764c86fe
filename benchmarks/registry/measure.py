"""One measurement: run the load generator (pinned to the client CPU) against a server, summarise the answer."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from loadgen import Job
from processes import CLIENT_CPU, Server, pinning
from writer import Writer

__all__ = ["Sample", "Target", "check_paths", "percentile", "run", "walk_cursors"]

LOADGEN = Path(__file__).resolve().parent / "loadgen.py"


@dataclass
class Sample:
    """One run of one read: throughput, latency percentiles (ms), CPU use of both sides (share of one core)."""

    mode: str
    requests: int
    rps: float
    p50_ms: float
    p99_ms: float
    server_cpu: float
    client_cpu: float
    foreign_cpu: float
    """CPU (in cores) that neither side used while the run went on: other work on the machine."""
    statuses: dict[str, int]
    mean_body_bytes: float
    sent: int
    """Requests answered including the warm-up (how far through the URL list the run got)."""
    cache_hits: float | None = None
    """Reads the server's response cache answered during the recorded window (``None``: no counter exposed)."""
    cache_misses: float | None = None
    latencies_ns: list[int] = field(default_factory=list, repr=False)

    @property
    def cache_hit_ratio(self) -> float | None:
        if self.cache_hits is None or self.cache_misses is None or self.cache_hits + self.cache_misses == 0:
            return None
        return self.cache_hits / (self.cache_hits + self.cache_misses)

    def public(self) -> dict[str, Any]:
        data = asdict(self)
        del data["latencies_ns"]
        return data


@dataclass
class Target:
    name: str
    server: Server
    pids: Callable[[], list[int]]
    load_seconds: float | None = None
    backend: str = ""
    """``sqlite`` / ``postgresql``; empty for the baseline."""
    variant: str = ""
    """``cached`` / ``uncached`` / ``writes`` (see ``registry_target.VARIANTS``); empty for the baseline."""
    writer: Writer | None = None
    """Publishes through another connection to the same database while this target is measured."""
    samples: dict[str, list[Sample]] = field(default_factory=dict)
    positions: dict[int, int] = field(default_factory=dict)
    """Per URL list (by identity): where the next run starts (see ``Job.start``)."""


def percentile(sorted_values: list[int], fraction: float) -> float:
    """Nearest-rank percentile of already sorted nanoseconds, in milliseconds."""
    if not sorted_values:
        return float("nan")
    rank = max(0, min(len(sorted_values) - 1, round(fraction * len(sorted_values) + 0.5) - 1))
    return sorted_values[rank] / 1e6


def run(job: Job) -> Sample:
    """CPU use is read by the load generator at the edges of its recorded window (``job.watch_pids``)."""
    completed = subprocess.run(
        [*pinning(CLIENT_CPU), sys.executable, str(LOADGEN)],
        input=json.dumps(asdict(job)),
        capture_output=True,
        text=True,
        timeout=job.duration + job.warmup + 120,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"load generator failed: {completed.stderr[-3000:]}")
    result = json.loads(completed.stdout)
    latencies = sorted(result["latencies_ns"])
    wall = result["wall_s"]
    return Sample(
        mode=job.mode,
        requests=result["requests"],
        rps=result["requests"] / wall,
        p50_ms=percentile(latencies, 0.50),
        p99_ms=percentile(latencies, 0.99),
        server_cpu=result["server_cpu_s"] / wall,
        client_cpu=result["client_cpu_s"] / wall,
        foreign_cpu=result["foreign_cpu_s"] / wall,
        statuses=result["statuses"],
        mean_body_bytes=result["body_bytes"] / max(1, result["requests"]),
        sent=result["sent"],
        cache_hits=result["cache"]["hit"] if result["cache"] else None,
        cache_misses=result["cache"]["miss"] if result["cache"] else None,
        latencies_ns=latencies,
    )


def check_paths(port: int, paths: list[str]) -> list[str]:
    """A spread sample of the URLs answers 200 (a benchmark of 404s would measure nothing); the failures.
    The runs themselves count every status, and any non-200 fails the read's target."""
    failures = []
    for path in paths[:: max(1, len(paths) // 40)]:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30) as answer:
                answer.read()
        except urllib.error.HTTPError as error:
            failures.append(f"{path} -> {error.code} {error.read()[:300]!r}")
    return failures


def walk_cursors(port: int, limit: int, max_pages: int = 100_000) -> list[str]:
    """Follow ``metadata.nextCursor`` from the first list page to the end, as a crawler does; every cursor sent."""
    cursors: list[str] = []
    query = f"limit={limit}"
    for _ in range(max_pages):
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/v0.1/servers?{query}", timeout=30) as answer:
            cursor = json.load(answer).get("metadata", {}).get("nextCursor")
        if not cursor:
            return cursors
        cursors.append(cursor)
        query = urllib.parse.urlencode({"limit": limit, "cursor": cursor})
    raise RuntimeError(f"the cursor walk did not end within {max_pages:,} pages")
