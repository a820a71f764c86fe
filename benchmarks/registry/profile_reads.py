"""Where a registry read spends its time: the API called in-process (no sockets), timed and under cProfile.

Run:  python benchmarks/registry/profile_reads.py [--servers 10000] [--db sqlite:///…] [--read list_first …]

Builds (or reuses, ``--db``) a database with the benchmark data, creates the same app the benchmark serves,
and calls it as an ASGI callable. The worker-thread hop of the reads is replaced by a direct call, so the
profile sees the whole request in one thread; the hop's own cost is timed separately. Per read it prints the
mean time per request of each layer (full ASGI request, store query, cache check, JSON encoding) and the
top functions by own time.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import os
import pstats
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from registry_app import CACHE_SETTING, cache_setting_supported
from registry_target import load
from starlette.concurrency import run_in_threadpool
from workload import endpoints

from mcpship.registry.api import _reads, create_app
from mcpship.registry.api._responses import encode_json
from mcpship.registry.config import OwnershipSettings, RegistrySettings
from mcpship.registry.records import ListQuery
from mcpship.registry.service import SqlRegistry

Message = dict[str, Any]


async def _inline(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return function(*args, **kwargs)


def asgi_caller(app: Any) -> Callable[[str], Any]:
    async def call(path: str) -> int:
        parts = urlsplit(path)
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": _unquote(parts.path),
            "raw_path": parts.path.encode(),
            "query_string": parts.query.encode(),
            "root_path": "",
            "headers": [(b"host", b"127.0.0.1"), (b"accept", b"application/json")],
            "client": ("127.0.0.1", 1),
            "server": ("127.0.0.1", 80),
        }
        status = 0

        async def receive() -> Message:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]

        await app(scope, receive, send)
        return status

    return call


def _unquote(path: str) -> str:
    from urllib.parse import unquote

    return unquote(path)


def per_request_us(function: Callable[[], Any], count: int) -> float:
    started = time.perf_counter()
    for _ in range(count):
        function()
    return (time.perf_counter() - started) / count * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--servers", type=int, default=10_000)
    parser.add_argument("--versions", type=int, default=3)
    parser.add_argument("--db", help="an already loaded database URL (default: build a SQLite one)")
    parser.add_argument("--read", action="append", help="read keys to profile (default: all)")
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--top", type=int, default=18)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mcpship-profile-") as folder:
        url = args.db
        if url is None:
            url = f"sqlite:///{Path(folder) / 'registry.db'}"
            print(f"loaded {args.servers:,} x {args.versions} in {load(url, args.servers, args.versions):.1f} s")
        profile(url, args)


def profile(url: str, args: argparse.Namespace) -> None:
    service = SqlRegistry.open(url, migrate=False)
    # Response cache off (where the setting exists): the profile is of the database path, URL spaces repeat.
    extra: dict[str, Any] = {CACHE_SETTING: 0} if cache_setting_supported() else {}
    settings = RegistrySettings(
        url, jwt_private_key=os.urandom(32), ownership=OwnershipSettings(enabled=False), **extra
    )
    app = create_app(settings, service)
    call = asgi_caller(app)
    loop = asyncio.new_event_loop()
    hop = per_request_us(lambda: loop.run_until_complete(run_in_threadpool(int)), 2000) - per_request_us(
        lambda: loop.run_until_complete(_inline(int)), 2000
    )
    counter = per_request_us(service.change_counter, 2000)
    print(f"worker-thread hop (run_in_threadpool of a no-op): {hop:.0f} µs; change_counter(): {counter:.0f} µs")
    _reads.run_in_threadpool = _inline  # type: ignore[attr-defined,assignment]  # one thread: the profile sees everything
    page = service.list_servers(ListQuery(limit=30))
    wire = page.to_wire()
    print(
        f"first page, 30 records: list_servers() {per_request_us(lambda: service.list_servers(ListQuery()), 300):.0f}"
        f" µs, to_wire() {per_request_us(page.to_wire, 300):.0f} µs, encode_json() "
        f"{per_request_us(lambda: encode_json(wire), 300):.0f} µs"
    )
    reads = endpoints(args.servers, args.versions)
    for read in reads:
        if args.read and read.key not in args.read:
            continue
        # Three slices of the URL space: check, time, profile (the cache is off where the setting exists).
        paths = [read.paths[i % len(read.paths)] for i in range(2 * args.requests + 20)]
        statuses = {loop.run_until_complete(call(path)) for path in paths[-20:]}
        started = time.perf_counter()
        for path in paths[: args.requests]:
            loop.run_until_complete(call(path))
        mean = (time.perf_counter() - started) / args.requests * 1e6
        profiler = cProfile.Profile()
        profiler.enable()
        for path in paths[args.requests : 2 * args.requests]:
            loop.run_until_complete(call(path))
        profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("tottime").print_stats(args.top)
        stats.sort_stats("cumulative").print_stats("mcpship", args.top)
        print(f"\n=== {read.key}: {mean:.0f} µs per request in-process (statuses {sorted(statuses)})")
        print("\n".join(_trimmed(out.getvalue())))
    loop.close()
    service.close()


def _trimmed(report: str) -> list[str]:
    lines = report.splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip().startswith("ncalls")), 0)
    prefix = str(Path(sys.prefix))
    return [line.replace(prefix + "/lib/python3.11/site-packages/", "") for line in lines[start:] if line.strip()]


if __name__ == "__main__":
    main()
