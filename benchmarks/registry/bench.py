"""Registry reads (list, search, get) over 10,000 servers x 3 versions on SQLite and PostgreSQL, beside plain ASGI.

Run:  python benchmarks/registry/bench.py [--runs 3]      CI smoke:  python benchmarks/registry/bench.py --quick

Each read cycles through its whole natural URL space over the data set (``workload.py``) in a fixed shuffled
order. Each backend's database is loaded once and served by one registry process per variant (``--variants``):
response cache on (the defaults), off (every read is a database read), and on while another process publishes
``--write-rate`` new versions per second into the same database (``writer.py``; only while that variant is
measured). The cache hit ratio of each closed-loop run comes from the server's ``/metrics``.

Every server under test is a uvicorn process with the same settings (1 worker, uvloop, httptools, log level
warning) pinned to CPU 0 (PostgreSQL's processes too: the database is part of the server); the load generator
(``loadgen.py``, raw HTTP/1.1 keep-alive over asyncio) is pinned to CPU 1. The baseline is a bare ASGI callable
answering a real first list page of the same data (``baseline_app.py``). Data is generated deterministically
(``dataset.py``) and published straight through the store, not over HTTP; the load time is reported.

For each read, each round: a closed-loop run (``--connections`` keep-alive connections, ``--duration`` seconds)
gives the saturated throughput (and, with the server's CPU time, its CPU cost per request); a paced run at half
that rate gives the latency under load (from each request's scheduled start); a one-connection run gives the
latency of one request at a time. Rounds interleave targets so machine noise hits all alike.
Throughput is the median over rounds; percentiles pool every request of every round. Results go to
benchmarks/RESULTS.md (between the registry markers) and benchmarks/out/registry.json.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import shlex
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, replace
from functools import partial
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # benchmarks/_results.py

from _results import write_section  # noqa: E402
from loadgen import Job  # noqa: E402
from measure import Sample, Target, check_paths, percentile, run, walk_cursors  # noqa: E402
from processes import Server, free_port, peak_rss_kib  # noqa: E402
from registry_target import LABELS, VARIANTS, prepare, start  # noqa: E402  (mcpship itself only once started)
from workload import PAGE, Endpoint, baseline_body, cursor_chain, endpoints  # noqa: E402

ROOT = HERE.parent.parent
START, END = "<!-- registry:start -->", "<!-- registry:end -->"
P99_TARGET_MS = 20.0
RATIO_TARGET = 0.5
PACED_LOAD = 0.5
VARIANT_KEYS = ("cached", "uncached", "writes")
DEFAULT_DURATION = 3.5
"""Seconds per closed-loop / paced run (half that with one client): the full default run (3 rounds, 2 backends
x 3 variants x 7 reads + the baseline) then takes about 30 minutes on 2 cores, loading included (5 s: 37)."""


def options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=3, help="interleaved rounds (default 3)")
    parser.add_argument("--servers", type=int, default=10_000)
    parser.add_argument("--versions", type=int, default=3)
    parser.add_argument("--duration", type=float, default=DEFAULT_DURATION, help="seconds per measurement")
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds before each measurement, not recorded")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--backends", default="sqlite,postgresql", help="comma list; 'none' = baseline only")
    parser.add_argument("--only", default="", help="comma list of read keys to measure (default: all)")
    parser.add_argument("--cold", action="store_true", help="do not warm the cache-on registries before the rounds")
    parser.add_argument(
        "--variants",
        default=",".join(VARIANT_KEYS),
        help="comma list of registry variants per backend: cached (defaults), uncached (response cache off),"
        " writes (cache on, another replica publishing)",
    )
    parser.add_argument(
        "--write-rate", type=float, default=10.0, help="publishes per second of the writes variant (default 10)"
    )
    parser.add_argument("--quick", action="store_true", help="CI smoke: 1,000 servers, 1 round, short runs")
    parser.add_argument(
        "--nice", type=int, default=0, help="priority of every measured process (e.g. -10 on a shared machine; root)"
    )
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    args = parser.parse_args()
    unknown = set(args.variants.split(",")) - set(VARIANT_KEYS)
    if unknown or not args.variants or args.write_rate <= 0:
        parser.error(f"--variants takes {', '.join(VARIANT_KEYS)}; --write-rate must be positive")
    os.environ["REGISTRY_BENCH_NICE"] = str(args.nice)  # read by processes.pinning, also in pgcluster
    if args.quick:
        args.servers, args.runs, args.duration, args.warmup = min(args.servers, 1_000), 1, 1.0, 0.3
    return args


def start_targets(args: argparse.Namespace, workdir: Path, stack: list[Callable[[], None]]) -> list[Target]:
    body = workdir / "baseline.json"
    body.write_bytes(baseline_body(args.versions))
    baseline = Server.uvicorn(
        "plain ASGI",
        ["--app-dir", str(HERE), "baseline_app:app"],
        free_port(),
        {"REGISTRY_BENCH_BODY": str(body)},
        workdir / "baseline.log",
    )
    targets = [Target("plain ASGI", baseline, lambda: [baseline.pid])]
    backends = [b for b in args.backends.split(",") if b and b != "none"]
    variants = [VARIANTS[key] for key in VARIANT_KEYS if key in args.variants.split(",")]
    for backend in backends:
        database = prepare(backend, args.servers, args.versions, workdir, stack)
        targets += [start(database, variant, args.servers, args.write_rate, workdir, stack) for variant in variants]
    baseline.start()
    stack.append(baseline.stop)
    return targets


def job(args: argparse.Namespace, target: Target, paths: list[str], mode: str, rate: float = 0.0) -> Job:
    return Job(
        start=target.positions.get(id(paths), 0),
        watch_pids=target.pids(),
        port=target.server.port,
        paths=paths,
        mode=mode,
        connections=args.connections,
        duration=args.duration,
        warmup=args.warmup,
        rate=rate,
        metrics_path="/metrics" if target.backend else "",
    )


def measured(target: Target, paths: list[str], work: Job) -> Sample:
    """Run one job; the next run on these paths starts where this one stopped."""
    sample = run(work)
    target.positions[id(paths)] = work.start + sample.sent
    return sample


def check_targets(args: argparse.Namespace, registries: list[Target], reads: list[Endpoint]) -> None:
    """Every read answers 200 on a sample of its URLs, and the list cursors are the ones a real walk follows
    (checked once per backend, on the cache-off variant when there is one, so no cache starts warm)."""
    for target in registries:
        for read in reads:
            failures = check_paths(target.server.port, read.paths)
            if failures:
                raise SystemExit(f"{target.name}: {read.key} fails before measuring:\n" + "\n".join(failures[:5]))
    walked: set[str] = set()
    for target in sorted(registries, key=lambda t: t.variant != "uncached"):
        if target.backend in walked or not any(read.key == "list_deep" for read in reads):
            continue
        walked.add(target.backend)
        expected, actual = cursor_chain(args.servers, args.versions), walk_cursors(target.server.port, PAGE)
        if actual != expected:
            differ = [(a, b) for a, b in zip(actual, expected, strict=False) if a != b][:1]
            raise SystemExit(
                f"{target.name}: the real cursor walk ({len(actual)} cursors) is not workload.cursor_chain"
                f" ({len(expected)}); first difference (walked, computed): {differ}"
            )


def warm_caches(args: argparse.Namespace, registries: list[Target], reads: list[Endpoint]) -> None:
    """Send every cache-on registry every URL of every read once, not recorded: the rounds then measure a registry
    that has been serving for a while (the cache-off rows show what each miss costs). Without it, the first passes
    over the largest spaces (30,000 exact versions at a few thousand misses a second on PostgreSQL) outlast whole
    rounds, and the medians would mix warm-up into the steady state."""
    if args.cold:
        return
    paths = [path for read in reads for path in read.paths]
    for target in registries:
        if target.variant == "uncached":
            continue
        started = time.perf_counter()
        chunks = [paths[index :: args.connections] for index in range(args.connections)]
        with ThreadPoolExecutor(args.connections) as pool:
            failures = [
                failure for found in pool.map(partial(_fetch_all, target.server.port), chunks) for failure in found
            ]
        if failures:
            raise SystemExit(f"{target.name}: warming the cache failed:\n" + "\n".join(failures[:5]))
        print(f"warmed {target.name}: {len(paths):,} URLs in {time.perf_counter() - started:.1f} s", file=sys.stderr)


def _fetch_all(port: int, paths: list[str]) -> list[str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    failures = []
    try:
        for path in paths:
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                failures.append(f"{path}: {response.status}")
    finally:
        connection.close()
    return failures


def measure_all(args: argparse.Namespace, targets: list[Target], reads: list[Endpoint]) -> None:
    base, registries = targets[0], targets[1:]
    check_targets(args, registries, reads)
    warm_caches(args, registries, reads)
    base_paths = ["/v0.1/servers?limit=30"]
    for round_index in range(args.runs):
        plan: list[tuple[Target, str, list[str]]] = [(base, "baseline", base_paths)]
        plan += [(target, read.key, read.paths) for read in reads for target in registries]
        for target, key, paths in plan:
            if target.writer:
                target.writer.resume()
            try:
                closed = measured(target, paths, job(args, target, paths, "closed"))
                rate = max(1.0, closed.rps * PACED_LOAD)
                paced = measured(target, paths, job(args, target, paths, "paced", rate=rate))
                one = replace(job(args, target, paths, "closed"), connections=1, duration=args.duration / 2)
                single = measured(target, paths, one)
            finally:
                if target.writer:
                    target.writer.pause()
            single.mode = "single"
            target.samples.setdefault(key, []).extend([closed, paced, single])
            hits = closed.cache_hit_ratio
            print(
                f"round {round_index + 1}/{args.runs} {target.name:<10} {key:<16} {closed.rps:8.0f} req/s"
                f" ({closed.rps / max(closed.server_cpu, 1e-9):8.0f} per core)  p99 {single.p99_ms:6.2f} ms one client,"
                f" {paced.p99_ms:6.2f} ms at half load  (server CPU {closed.server_cpu:.0%},"
                f" client CPU {closed.client_cpu:.0%}, other work {closed.foreign_cpu:.2f} cores,"
                f" cache hits {'-' if hits is None else f'{hits:.1%}'})",
                file=sys.stderr,
            )


LOAD_RATE = {"sqlite": 700.0, "postgresql": 260.0}
"""Versions per second the store loads on this 2-core machine (for the run-time estimate only)."""


def estimated_seconds(args: argparse.Namespace, reads: int) -> float:
    """Three runs per read and target (each with its warm-up, plus ~0.15 s to start the load generator)."""
    per_read: float = 3 * (args.warmup + 0.15) + 2.5 * args.duration
    backends = [b for b in args.backends.split(",") if b in LOAD_RATE]
    registries = len(backends) * len(set(args.variants.split(",")))
    loading = sum(args.servers * args.versions / LOAD_RATE[b] for b in backends)
    return float(args.runs * (1 + reads * registries) * per_read + loading)


def summary(samples: list[Sample]) -> dict[str, Any]:
    closed = [s for s in samples if s.mode == "closed"]
    paced = [s for s in samples if s.mode == "paced"]
    single_latency = sorted(v for s in samples if s.mode == "single" for v in s.latencies_ns)
    closed_latency = sorted(v for s in closed for v in s.latencies_ns)
    paced_latency = sorted(v for s in paced for v in s.latencies_ns)
    hits = [ratio for s in closed if (ratio := s.cache_hit_ratio) is not None]
    statuses: dict[str, int] = {}
    for s in samples:
        for status, count in s.statuses.items():
            statuses[status] = statuses.get(status, 0) + count
    return {
        "rps": statistics.median(s.rps for s in closed),
        "rps_per_core": statistics.median(s.rps / s.server_cpu for s in closed if s.server_cpu > 0),
        "p50_ms": percentile(paced_latency, 0.50),
        "p99_ms": percentile(paced_latency, 0.99),
        "one_client_p50_ms": percentile(single_latency, 0.50),
        "one_client_p99_ms": percentile(single_latency, 0.99),
        "saturated_p50_ms": percentile(closed_latency, 0.50),
        "saturated_p99_ms": percentile(closed_latency, 0.99),
        "server_cpu": statistics.median(s.server_cpu for s in closed),
        "client_cpu": statistics.median(s.client_cpu for s in closed),
        "foreign_cpu": statistics.median(s.foreign_cpu for s in samples),
        "body_bytes": statistics.median(s.mean_body_bytes for s in closed),
        "cache_hit_ratio": statistics.median(hits) if hits else None,
        "statuses": statuses,
        "runs": [s.public() for s in samples],
    }


def machine() -> str:
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        names = [line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines() if "model name" in line]
        model = names[0] if names else ""
    return f"{os.cpu_count()} cores{f' ({model})' if model else ''}, Python {platform.python_version()}"


VARIANT_SHORT = {"cached": "cache on", "uncached": "cache off", "writes": "with publishes"}
VARIANT_COLUMN = {
    "cached": "cache on",
    "uncached": "**cache off**: database path",
    "writes": "cache on, {rate:g} publishes/s",
}


def render(args: argparse.Namespace, targets: list[Target], reads: list[Endpoint], data: dict[str, Any]) -> str:
    base = data["plain ASGI"]["baseline"]
    command = "python benchmarks/registry/bench.py " + shlex.join(sys.argv[1:])
    # The writer runs on the client CPU: its CPU shows as other work, so its variant's runs stay out of this figure.
    quiet = [s["foreign_cpu"] for t in targets[1:] if t.variant != "writes" for s in data[t.name]["reads"].values()]
    foreign = statistics.median([base["foreign_cpu"], *quiet])
    priority = f" at `nice {args.nice}`" if args.nice else ""
    lines = [
        START,
        f"## Registry reads: {args.servers:,} servers × {args.versions} versions, beside a plain-ASGI baseline",
        "",
        f"`{command.strip()}` on {machine()}, {time.strftime('%Y-%m-%d')}. Each server under test is uvicorn (1 worker,"
        f" uvloop, httptools, log level warning) pinned to CPU 0{priority}, PostgreSQL's processes with it; the load"
        " generator (`benchmarks/registry/loadgen.py`, raw HTTP/1.1 keep-alive over asyncio) is pinned to CPU 1."
        f" Per read and round: {args.duration:g} s closed loop on {args.connections} connections (throughput, median"
        f" of {args.runs} rounds; *per core* divides it by the CPU the server and its database actually used), then"
        f" {args.duration:g} s paced at {PACED_LOAD:.0%} of that rate (latency from each request's scheduled start),"
        f" then {args.duration / 2:g} s with one client (latency of one request at a time); percentiles pool every"
        " round.",
        "",
        "Each read cycles through its whole natural URL space over the data set, in a fixed shuffled order, one pass"
        " after another across runs and rounds (no cache-busting parameters): what a steady population of clients"
        " asks for. *Cache hits* is the share of the closed-loop run's reads that the registry's response cache"
        " answered (from its `/metrics` counter at the edges of the run; median over rounds)."
        + (
            ""
            if args.cold
            else " Before the rounds every cache-on registry was sent every URL of every read once, not recorded:"
            " the rows show a registry that has been serving for a while, the cache-off rows what each miss costs."
        )
        + " Each *÷ baseline per core* is the median over rounds of the ratio to the baseline measured in the same"
        " round (the machine's speed drifts between rounds).",
        "",
        *(f"- {read.label}: {read.space}" for read in reads),
        "",
        *_variants_text(args, targets),
        f"Other work on the machine during the runs: median {foreign:.2f} of 2 cores"
        + (
            " (quiet)."
            if foreign < 0.25
            else ". With that much, the server's CPU share and wake-up latency depend on the neighbours: raw req/s"
            " and latency under load are not the product's, while *per core* and one-client latency mostly are."
        )
        + " The verdicts use *per core* throughput (CPU cost per request, robust to neighbours) and one-client p99;"
        " p99 at half load is shown beside them."
        + (
            f" The baseline's half-load figure ({base['p99_ms']:,.0f} ms) is the load generator's limit, not the"
            f" server's: one Python process cannot pace {base['rps'] * PACED_LOAD:,.0f} req/s on schedule."
            if base["p99_ms"] > 10 * base["one_client_p99_ms"]
            else ""
        ),
        "",
        f"Baseline (a bare ASGI callable returning a real first list page, {base['body_bytes'] / 1024:.1f} KiB):"
        f" **{base['rps']:,.0f} req/s**, **{base['rps_per_core']:,.0f} per server core**, one client p50"
        f" {base['one_client_p50_ms']:.2f} ms / p99 {base['one_client_p99_ms']:.2f} ms, p99 at half load"
        f" {base['p99_ms']:.1f} ms; peak RSS {data['plain ASGI']['peak_rss_mib']:.0f} MiB. Targets: p99 ≤"
        f" {P99_TARGET_MS:g} ms for every read, throughput ≥ {RATIO_TARGET:g}× the baseline.",
        "",
    ]
    for backend in dict.fromkeys(t.backend for t in targets[1:]):
        lines += _backend_table(args, [t for t in targets[1:] if t.backend == backend], reads, data, base)
    lines.append(END)
    return "\n".join(lines)


def _variants_text(args: argparse.Namespace, targets: list[Target]) -> list[str]:
    present = {t.variant for t in targets[1:]}
    if not present:
        return []
    text = [
        "Each backend's database is loaded once and served by one registry process per variant, each measured in"
        " the same rounds:"
    ]
    if "cached" in present:
        from mcpship.registry.api._cache import DEFAULT_CACHE_BYTES

        ceiling = DEFAULT_CACHE_BYTES // 2**20
        text.append(f"- *cache on*: the defaults (a response cache of at most {ceiling} MiB of encoded responses).")
    if "uncached" in present:
        text.append(
            "- *cache off*: `read_cache_bytes=0`, so every read is built from the database: these rows measure the"
            " database path, not what a deployment serves."
        )
    if "writes" in present:
        text.append(
            f"- *cache on, {args.write_rate:g} publishes/s*: the defaults while another process (`writer.py`, standing"
            " for another replica) publishes new versions (`2.<n>.0`, each becomes latest) of random existing servers"
            " into the same database through `SqlRegistry.publish`, only while this variant is measured. The server"
            " sees them through the change log within `read_staleness_seconds` (0.5 s) and drops the cached"
            " responses they make stale (the other variants see those versions too, the next time they are"
            " measured). The writer is pinned to CPU 1 with the load generator; on PostgreSQL its"
            " database backend's work counts in the server's CPU."
        )
    import registry_app  # needs mcpship, present whenever a registry was measured

    if not registry_app.cache_setting_supported():
        text.append(
            "- **This build has no `read_cache_bytes` setting: the *cache off* rows ran with the default cache.**"
        )
    return [*text, ""]


def _backend_table(
    args: argparse.Namespace, variants: list[Target], reads: list[Endpoint], data: dict[str, Any], base: dict[str, Any]
) -> list[str]:
    first = data[variants[0].name]
    rss = ", ".join(f"{VARIANT_SHORT[t.variant]} {data[t.name]['peak_rss_mib']:.0f}" for t in variants)
    lines = [
        f"### {LABELS[variants[0].backend]}",
        "",
        f"{args.servers * args.versions:,} versions published through the store (`SqlRegistry.publish`, one"
        f" transaction each) in {first['load_seconds']:.0f} s; server peak RSS (MiB): {rss}.",
    ]
    for target in variants:
        report = data[target.name].get("writer")
        if report:
            lines[-1] += (
                f" The other replica published {report['published']:,} versions while its variant was measured"
                f" ({report['published'] / max(report['active_seconds'], 1e-9):.1f}/s, using"
                f" {report['cpu_seconds'] / max(report['active_seconds'], 1e-9):.0%} of a core)"
                + (
                    f"; **{report['failures']} publishes failed** (first: {report['first_failure']})."
                    if report["failures"]
                    else "."
                )
            )
    lines += [
        "",
        "| read | registry | cache hits | req/s | ÷ baseline | per core | ÷ baseline | one client p50 / p99"
        " | p99 at half load | server CPU | body | target |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for read in reads:
        for index, target in enumerate(variants):
            s = data[target.name]["reads"][read.key]
            ratio = _ratio_per_round(s, base)
            verdict = ", ".join(_misses(s, ratio))
            hits = "—" if s["cache_hit_ratio"] is None else _percent(s["cache_hit_ratio"])
            lines.append(
                f"| {read.label if index == 0 else ''} | {VARIANT_COLUMN[target.variant].format(rate=args.write_rate)}"
                f" | {hits} | {s['rps']:,.0f} | {s['rps'] / base['rps']:.2f}× | {s['rps_per_core']:,.0f} |"
                f" {ratio:.2f}× | {s['one_client_p50_ms']:.2f} / {s['one_client_p99_ms']:.2f} ms |"
                f" {s['p99_ms']:.1f} ms | {s['server_cpu']:.0%} | {s['body_bytes'] / 1024:.1f} KiB |"
                f" {'✗ ' + verdict if verdict else '✓'} |"
            )
    lines.append("")
    return lines


def _ratio_per_round(read: dict[str, Any], base: dict[str, Any]) -> float:
    """Median over rounds of (this read's per-core throughput ÷ the baseline's in the same round): the machine's
    speed drifts between rounds (the baseline alone moved by a third on this machine), a round's runs share it."""
    per_core = [
        [r["rps"] / r["server_cpu"] for r in s["runs"] if r["mode"] == "closed" and r["server_cpu"] > 0]
        for s in (read, base)
    ]
    return float(statistics.median(a / b for a, b in zip(*per_core, strict=False)))


def _percent(ratio: float) -> str:
    """One decimal, without rounding a few misses (or hits) away: 99.96% is "> 99.9%", not "100.0%"."""
    if 0.999 < ratio < 1:
        return "> 99.9%"
    if 0 < ratio < 0.001:
        return "< 0.1%"
    return f"{ratio:.1%}"


def _misses(s: dict[str, Any], ratio: float) -> list[str]:
    misses = []
    if s["one_client_p99_ms"] > P99_TARGET_MS:
        misses.append("p99")
    if ratio < RATIO_TARGET:
        misses.append("throughput")
    if set(s["statuses"]) != {"200"}:
        misses.append(f"statuses {s['statuses']}")
    return misses


def main() -> None:
    args = options()
    # SIGTERM (and SIGINT, which a background job ignores) must still stop the servers and the cluster.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    stack: list[Callable[[], None]] = []
    with tempfile.TemporaryDirectory(prefix="mcpship-bench-registry-") as folder:
        try:
            reads = endpoints(args.servers, args.versions)
            if args.only:
                reads = [read for read in reads if read.key in args.only.split(",")]
            print(f"about {estimated_seconds(args, len(reads)) / 60:.0f} min in all, loading included", file=sys.stderr)
            targets = start_targets(args, Path(folder), stack)
            measure_all(args, targets, reads)
            data: dict[str, Any] = {}
            for target in targets:
                if target.writer:
                    target.writer.stop()
                    if target.writer.report is None:
                        raise RuntimeError(f"{target.name}: {target.writer.error}")
                summaries = {key: summary(samples) for key, samples in target.samples.items()}
                data[target.name] = {
                    "backend": target.backend,
                    "variant": target.variant,
                    "peak_rss_mib": peak_rss_kib(target.server.pid) / 1024,
                    "load_seconds": target.load_seconds,
                    "writer": asdict(target.writer.report) if target.writer and target.writer.report else None,
                    **({"baseline": summaries["baseline"]} if target is targets[0] else {"reads": summaries}),
                }
        finally:
            for stop in reversed(stack):
                stop()
    out = HERE.parent / "out"
    out.mkdir(exist_ok=True)
    (out / ("registry-quick.json" if args.quick else "registry.json")).write_text(json.dumps(data, indent=2))
    section = render(args, targets, reads, data)
    if not (args.quick or args.no_write):
        write_section(section, START, END)
    print(section)


if __name__ == "__main__":
    main()
