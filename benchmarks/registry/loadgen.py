"""A lean HTTP/1.1 load generator: raw keep-alive connections over asyncio (uvloop), nothing else.

Run as a subprocess pinned to its own CPU: reads a JSON job on stdin, prints a JSON result on stdout.

* ``closed``: ``connections`` workers each send the next request as soon as the previous answer is read, for
  ``duration`` seconds: the server's saturated throughput (latency includes queueing behind the other workers).
* ``paced``: requests start on a fixed schedule of ``rate`` per second over a pool of ``connections``; latency is
  measured from the *scheduled* start, so a server that falls behind is charged for it (no coordinated omission).

Paths are cycled in order, so a run touches every distinct URL of its list. Only ``Content-Length`` and
chunked bodies are understood, which is what uvicorn sends. With ``metrics_path`` set, the server's response
cache counters (Prometheus text) are read at the edges of the recorded window, like the CPU times.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from processes import processes_cpu, system_busy

__all__ = ["Job", "run_job"]


@dataclass
class Job:
    port: int
    paths: list[str]
    mode: str = "closed"
    connections: int = 8
    duration: float = 5.0
    warmup: float = 1.0
    rate: float = 0.0
    host: str = "127.0.0.1"
    start: int = 0
    """Index into ``paths`` to begin at: the caller continues where its previous run stopped, so an URL comes
    round again only after every other one of its list (one pass after another, as a steady client population)."""
    watch_pids: list[int] = field(default_factory=list)
    """The server's processes: their CPU time is read at the edges of the recorded window."""
    metrics_path: str = ""
    """Where the server exposes Prometheus metrics (``/metrics``); empty: no cache counters."""


@dataclass
class Tally:
    latencies_ns: list[int] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    body_bytes: int = 0
    sent: int = 0
    recording: bool = False

    def add(self, status: int, size: int, latency_ns: int) -> None:
        self.sent += 1
        if self.recording:
            self.latencies_ns.append(latency_ns)
            self.statuses[status] = self.statuses.get(status, 0) + 1
            self.body_bytes += size


class Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def open(cls, host: str, port: int) -> Connection:
        reader, writer = await asyncio.open_connection(host, port)
        return cls(reader, writer)

    async def request(self, raw: bytes) -> tuple[int, int]:
        """Send one request, read the whole answer; ``(status, body size)``."""
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        lowered = head.lower()
        marker = lowered.find(b"\r\ncontent-length:")
        if marker >= 0:
            end = lowered.index(b"\r\n", marker + 2)
            size = int(head[marker + 17 : end])
            await self.reader.readexactly(size)
            return status, size
        if b"\r\ntransfer-encoding: chunked" in lowered:
            return status, await self._read_chunked()
        raise RuntimeError(f"answer without Content-Length or chunked body: {head[:200]!r}")

    async def get(self, raw: bytes) -> tuple[int, bytes]:
        """Send one request, return ``(status, body)`` (``Content-Length`` answers only: not on the hot path)."""
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        match = re.search(rb"\r\ncontent-length:\s*(\d+)", head, re.IGNORECASE)
        if match is None:
            raise RuntimeError(f"answer without Content-Length: {head[:200]!r}")
        return int(head[9:12]), await self.reader.readexactly(int(match.group(1)))

    async def _read_chunked(self) -> int:
        total = 0
        while True:
            line = await self.reader.readuntil(b"\r\n")
            size = int(line.split(b";", 1)[0], 16)
            await self.reader.readexactly(size + 2)
            total += size
            if size == 0:
                return total

    def close(self) -> None:
        self.writer.close()


def _raw_get(job: Job, path: str, accept: bytes = b"application/json") -> bytes:
    host = f"{job.host}:{job.port}".encode()
    return b"GET " + path.encode() + b" HTTP/1.1\r\nHost: " + host + b"\r\nAccept: " + accept + b"\r\n\r\n"


CACHE_COUNTER = re.compile(rb'^mcpship_registry_read_cache_total\{result="(hit|miss)"\} (\S+)$', re.MULTILINE)


async def cache_counters(job: Job) -> dict[str, float] | None:
    """The server's response cache hits and misses so far; ``None`` when it exposes no such counter."""
    if not job.metrics_path:
        return None
    connection = await Connection.open(job.host, job.port)
    try:
        status, body = await connection.get(_raw_get(job, job.metrics_path, b"text/plain"))
    finally:
        connection.close()
    counters = {result.decode(): float(value) for result, value in CACHE_COUNTER.findall(body)}
    return counters if status == 200 and set(counters) == {"hit", "miss"} else None


def _requests(job: Job) -> itertools.cycle[bytes]:
    raws = [_raw_get(job, path) for path in job.paths]
    first = job.start % len(raws)
    return itertools.cycle(raws[first:] + raws[:first])


async def _closed(job: Job, tally: Tally, stop_at: float) -> None:
    requests = _requests(job)

    async def worker() -> None:
        connection = await Connection.open(job.host, job.port)
        try:
            while time.perf_counter() < stop_at:
                started = time.perf_counter_ns()
                status, size = await connection.request(next(requests))
                tally.add(status, size, time.perf_counter_ns() - started)
        finally:
            connection.close()

    await asyncio.gather(*(worker() for _ in range(job.connections)))


async def _paced(job: Job, tally: Tally, stop_at: float) -> None:
    requests = _requests(job)
    pool: asyncio.Queue[Connection] = asyncio.Queue()
    for _ in range(job.connections):
        pool.put_nowait(await Connection.open(job.host, job.port))
    interval_ns = int(1e9 / job.rate)
    loop = asyncio.get_running_loop()
    pending: set[asyncio.Task[None]] = set()

    async def one(raw: bytes, scheduled_ns: int) -> None:
        connection = await pool.get()
        try:
            status, size = await connection.request(raw)
        finally:
            pool.put_nowait(connection)
        tally.add(status, size, time.perf_counter_ns() - scheduled_ns)

    origin = time.perf_counter_ns()
    for tick in itertools.count():
        scheduled = origin + tick * interval_ns
        if scheduled / 1e9 >= stop_at:
            break
        delay = (scheduled - time.perf_counter_ns()) / 1e9
        if delay > 0:
            await asyncio.sleep(delay)
        task = loop.create_task(one(next(requests), scheduled))
        pending.add(task)
        task.add_done_callback(pending.discard)
    await asyncio.gather(*pending)
    while not pool.empty():
        pool.get_nowait().close()


async def run_job(job: Job) -> dict[str, Any]:
    """Warm up (not recorded), then measure; returns counts, latencies and the client's own CPU use."""
    tally = Tally()
    runner = _closed if job.mode == "closed" else _paced
    if job.warmup > 0:
        await runner(job, tally, time.perf_counter() + job.warmup)
    tally.recording = True
    cache_before = await cache_counters(job)
    server_before, system_before = processes_cpu(job.watch_pids), system_busy()
    cpu_started, wall_started = time.process_time(), time.perf_counter()
    await runner(job, tally, time.perf_counter() + job.duration)
    wall = time.perf_counter() - wall_started
    client = time.process_time() - cpu_started
    server = processes_cpu(job.watch_pids) - server_before
    foreign = max(0.0, system_busy() - system_before - server - client)
    cache_after = await cache_counters(job)
    cache = None
    if cache_before is not None and cache_after is not None:
        cache = {result: cache_after[result] - cache_before[result] for result in ("hit", "miss")}
    return {
        "requests": len(tally.latencies_ns),
        "wall_s": wall,
        "client_cpu_s": client,
        "server_cpu_s": server,
        "foreign_cpu_s": foreign,
        "cache": cache,
        "statuses": {str(k): v for k, v in tally.statuses.items()},
        "body_bytes": tally.body_bytes,
        "sent": tally.sent,
        "latencies_ns": tally.latencies_ns,
    }


def main() -> None:
    job = Job(**json.loads(sys.stdin.read()))
    try:
        import uvloop

        result = uvloop.run(run_job(job))
    except ImportError:  # pragma: no cover - uvloop ships with uvicorn[standard]
        result = asyncio.run(run_job(job))
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
