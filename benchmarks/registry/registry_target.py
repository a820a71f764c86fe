"""Registry targets: a database loaded with the benchmark data through the store, then the API on top of it."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

from dataset import servers
from measure import Target
from processes import Server, free_port

__all__ = ["load", "start"]

HERE = Path(__file__).resolve().parent
LABELS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def load(database_url: str, count: int, versions: int) -> float:
    """Publish every version through :class:`SqlRegistry` (the write path, rules included); seconds taken."""
    from mcpship.registry.service import SqlRegistry

    started = time.perf_counter()
    with SqlRegistry.open(database_url) as registry:
        for number, document in enumerate(servers(count, versions), 1):
            registry.publish(document)
            if number % 5_000 == 0:
                print(f"loaded {number:,} versions", file=sys.stderr)
    return time.perf_counter() - started


def start(backend: str, count: int, versions: int, workdir: Path, stack: list[Callable[[], None]]) -> Target:
    """Create the database (a private PostgreSQL cluster for ``postgresql``), load it, start the API."""
    if backend not in LABELS:
        raise SystemExit(f"unknown backend {backend!r}: use sqlite or postgresql")
    cluster_pids: Callable[[], list[int]] = list
    if backend == "sqlite":
        url = f"sqlite:///{workdir / 'registry.db'}"
    else:
        from pgcluster import PostgresCluster

        cluster = PostgresCluster()
        stack.append(cluster.stop)
        cluster.start()
        url, cluster_pids = cluster.url, cluster.pids
    print(f"{LABELS[backend]}: loading {count:,} servers x {versions} versions", file=sys.stderr)
    seconds = load(url, count, versions)
    server = Server.uvicorn(
        LABELS[backend],
        ["--app-dir", str(HERE), "--factory", "registry_app:create"],
        free_port(),
        {"REGISTRY_BENCH_DB": url},
        workdir / f"{backend}.log",
    )
    server.start()
    stack.append(server.stop)
    return Target(LABELS[backend], server, lambda: [server.pid, *cluster_pids()], load_seconds=seconds)
