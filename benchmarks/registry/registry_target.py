"""Registry targets: a database loaded with the benchmark data through the store, then the API on top of it,
once per variant (response cache on, off, on while another replica writes), all on the same database."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from dataset import servers
from measure import Target
from processes import Server, free_port
from writer import Writer

__all__ = ["LABELS", "VARIANTS", "Database", "Variant", "load", "prepare", "start"]

HERE = Path(__file__).resolve().parent
LABELS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


@dataclass(frozen=True)
class Variant:
    key: str
    cache_bytes: int | None
    """``REGISTRY_BENCH_CACHE_BYTES`` for the server; ``None``: the registry's default (``--cache-mb``)."""
    writes: bool = False

    def label(self, backend: str, write_rate: float) -> str:
        if self.writes:
            return f"{LABELS[backend]}, {write_rate:g} publishes/s by another replica"
        return LABELS[backend] + (", response cache off" if self.cache_bytes == 0 else "")


VARIANTS = {
    "cached": Variant("cached", None),
    "uncached": Variant("uncached", 0),
    "writes": Variant("writes", None, writes=True),
}


@dataclass
class Database:
    backend: str
    url: str
    pids: Callable[[], list[int]]
    """The database server's processes (none for SQLite, which runs inside the API process)."""
    load_seconds: float


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


def prepare(backend: str, count: int, versions: int, workdir: Path, stack: list[Callable[[], None]]) -> Database:
    """Create the database (a private PostgreSQL cluster for ``postgresql``) and load it, once per backend."""
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
    return Database(backend, url, cluster_pids, load(url, count, versions))


def start(
    database: Database,
    variant: Variant,
    count: int,
    write_rate: float,
    workdir: Path,
    stack: list[Callable[[], None]],
) -> Target:
    """The API on ``database`` as ``variant`` wants it (and, for ``writes``, the paused writer beside it)."""
    env = {"REGISTRY_BENCH_DB": database.url}
    if variant.cache_bytes is not None:
        env["REGISTRY_BENCH_CACHE_BYTES"] = str(variant.cache_bytes)
    label = variant.label(database.backend, write_rate)
    server = Server.uvicorn(
        label,
        ["--app-dir", str(HERE), "--factory", "registry_app:create"],
        free_port(),
        env,
        workdir / f"{database.backend}-{variant.key}.log",
    )
    server.start()
    stack.append(server.stop)
    writer = None
    if variant.writes:
        writer = Writer(database.url, write_rate, count)
        writer.start()
        stack.append(writer.stop)
    return Target(
        label,
        server,
        lambda: [server.pid, *database.pids()],
        load_seconds=database.load_seconds,
        backend=database.backend,
        variant=variant.key,
        writer=writer,
    )
