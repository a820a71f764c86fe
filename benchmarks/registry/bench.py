"""Registry reads (list, search, get) over 10,000 servers x 3 versions on SQLite and PostgreSQL, beside plain ASGI.

Run:  python benchmarks/registry/bench.py [--runs 3]      CI smoke:  python benchmarks/registry/bench.py --quick

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
from dataclasses import replace
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # benchmarks/_results.py

from _results import write_section  # noqa: E402
from loadgen import Job  # noqa: E402
from measure import Sample, Target, check_paths, percentile, run  # noqa: E402
from processes import Server, free_port, peak_rss_kib  # noqa: E402
from workload import Endpoint, baseline_body, endpoints  # noqa: E402

ROOT = HERE.parent.parent
START, END = "<!-- registry:start -->", "<!-- registry:end -->"
P99_TARGET_MS = 20.0
RATIO_TARGET = 0.5
PACED_LOAD = 0.5


def options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=3, help="interleaved rounds (default 3)")
    parser.add_argument("--servers", type=int, default=10_000)
    parser.add_argument("--versions", type=int, default=3)
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per measurement")
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds before each measurement, not recorded")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--backends", default="sqlite,postgresql", help="comma list; 'none' = baseline only")
    parser.add_argument("--only", default="", help="comma list of read keys to measure (default: all)")
    parser.add_argument("--quick", action="store_true", help="CI smoke: 1,000 servers, 1 round, short runs")
    parser.add_argument(
        "--nice", type=int, default=0, help="priority of every measured process (e.g. -10 on a shared machine; root)"
    )
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    args = parser.parse_args()
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
    if backends:
        import registry_target  # only needs mcpship[registry] when a backend is measured

        for backend in backends:
            targets.append(registry_target.start(backend, args.servers, args.versions, workdir, stack))
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
    )


def measured(target: Target, paths: list[str], work: Job) -> Sample:
    """Run one job; the next run on these paths starts where this one stopped."""
    sample = run(work)
    target.positions[id(paths)] = work.start + sample.sent
    return sample


def measure_all(args: argparse.Namespace, targets: list[Target], reads: list[Endpoint]) -> None:
    base, registries = targets[0], targets[1:]
    for target in registries:
        for read in reads:
            failures = check_paths(target.server.port, read.paths)
            if failures:
                raise SystemExit(f"{target.name}: {read.key} fails before measuring:\n" + "\n".join(failures[:5]))
    base_paths = ["/v0.1/servers?limit=30"]
    for round_index in range(args.runs):
        plan: list[tuple[Target, str, list[str]]] = [(base, "baseline", base_paths)]
        plan += [(target, read.key, read.paths) for read in reads for target in registries]
        for target, key, paths in plan:
            closed = measured(target, paths, job(args, target, paths, "closed"))
            paced = measured(target, paths, job(args, target, paths, "paced", rate=max(1.0, closed.rps * PACED_LOAD)))
            one = replace(job(args, target, paths, "closed"), connections=1, duration=args.duration / 2)
            single = measured(target, paths, one)
            single.mode = "single"
            target.samples.setdefault(key, []).extend([closed, paced, single])
            print(
                f"round {round_index + 1}/{args.runs} {target.name:<10} {key:<16} {closed.rps:8.0f} req/s"
                f" ({closed.rps / max(closed.server_cpu, 1e-9):8.0f} per core)  p99 {single.p99_ms:6.2f} ms one client,"
                f" {paced.p99_ms:6.2f} ms at half load  (server CPU {closed.server_cpu:.0%},"
                f" client CPU {closed.client_cpu:.0%},"
                f" other work {closed.foreign_cpu:.2f} cores)",
                file=sys.stderr,
            )


def summary(samples: list[Sample]) -> dict[str, Any]:
    closed = [s for s in samples if s.mode == "closed"]
    paced = [s for s in samples if s.mode == "paced"]
    single_latency = sorted(v for s in samples if s.mode == "single" for v in s.latencies_ns)
    closed_latency = sorted(v for s in closed for v in s.latencies_ns)
    paced_latency = sorted(v for s in paced for v in s.latencies_ns)
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


def render(args: argparse.Namespace, targets: list[Target], reads: list[Endpoint], data: dict[str, Any]) -> str:
    base = data["plain ASGI"]["baseline"]
    command = "python benchmarks/registry/bench.py " + shlex.join(sys.argv[1:])
    foreign = statistics.median(
        [base["foreign_cpu"], *(s["foreign_cpu"] for t in targets[1:] for s in data[t.name]["reads"].values())]
    )
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
        " round. Every read cycles through 4,000 distinct URLs (more than the API's 1,024-entry response cache)"
        " except the one marked *repeated*.",
        "",
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
    for target in targets[1:]:
        facts = data[target.name]
        lines += [
            f"### {target.name}",
            "",
            f"{args.servers * args.versions:,} versions published through the store (`SqlRegistry.publish`, one"
            f" transaction each) in {facts['load_seconds']:.0f} s; server peak RSS {facts['peak_rss_mib']:.0f} MiB.",
            "",
            "| read | req/s | ÷ baseline | per core | ÷ baseline | one client p50 / p99 | p99 at half load"
            " | server CPU | body | target |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
        ]
        for read in reads:
            s = facts["reads"][read.key]
            ratio = s["rps_per_core"] / base["rps_per_core"]
            verdict = ", ".join(_misses(s, ratio))
            lines.append(
                f"| {read.label} | {s['rps']:,.0f} | {s['rps'] / base['rps']:.2f}× | {s['rps_per_core']:,.0f} |"
                f" {ratio:.2f}× | {s['one_client_p50_ms']:.2f} / {s['one_client_p99_ms']:.2f} ms |"
                f" {s['p99_ms']:.1f} ms | {s['server_cpu']:.0%} | {s['body_bytes'] / 1024:.1f} KiB |"
                f" {'✗ ' + verdict if verdict else '✓'} |"
            )
        lines.append("")
    lines.append(END)
    return "\n".join(lines)


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
            targets = start_targets(args, Path(folder), stack)
            reads = endpoints(args.servers, args.versions)
            if args.only:
                reads = [read for read in reads if read.key in args.only.split(",")]
            measure_all(args, targets, reads)
            data: dict[str, Any] = {}
            for target in targets:
                summaries = {key: summary(samples) for key, samples in target.samples.items()}
                data[target.name] = {
                    "peak_rss_mib": peak_rss_kib(target.server.pid) / 1024,
                    "load_seconds": target.load_seconds,
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
