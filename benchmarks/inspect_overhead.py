"""What ``mcpship inspect`` adds on top of a server's own start-up, beside the MCP Inspector CLI.

Run:  python benchmarks/inspect_overhead.py [--runs 15]

For each example server, three commands run interleaved (so machine noise hits all alike), each a fresh
process measured by wall time:

* baseline: ``benchmarks/raw_client.py`` (stdlib JSON-RPC, no SDK) starts the same server and lists the same
  things; it is the server's own start-up plus a minimal client;
* mcpship: ``mcpship inspect --json TARGET`` (the official SDK, era negotiation, every list paginated);
* peer: the official MCP Inspector (``@modelcontextprotocol/inspector`` 2.12.0, ``benchmarks/peers``) in CLI
  mode. It lists one thing per run, so "same 4 lists" is four runs (tools, prompts, resources, templates) and
  "tools only" is one. Skipped with a note when not installed: ``npm ci --prefix benchmarks/peers``.

The overhead is median(mcpship) - median(baseline). Each run's CPU time (user + system of the process and the
server it started, from ``getrusage(RUSAGE_CHILDREN)``) is recorded beside its wall time: on a machine shared with
other work, wall times grow with the load while CPU times barely move, so the CPU overhead says what mcpship itself
costs. Results go to benchmarks/RESULTS.md (the section between the inspect-overhead markers) and
benchmarks/out/inspect_overhead.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from _results import write_section

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
PEER_BIN = ROOT / "benchmarks" / "peers" / "node_modules" / ".bin" / "mcp-inspector"
START, END = "<!-- inspect-overhead:start -->", "<!-- inspect-overhead:end -->"
TARGET_MS = 100.0


@dataclass
class Case:
    name: str
    server: list[str]
    mcpship_target: list[str]
    times: dict[str, list[float]] = field(default_factory=dict)
    cpu: dict[str, list[float]] = field(default_factory=dict)


def mcpship_bin() -> str:
    found = Path(sys.executable).parent / "mcpship"
    return str(found) if found.exists() else (shutil.which("mcpship") or "mcpship")


def cases() -> list[Case]:
    from mcpship.probe import StdioPlan, resolve_target

    python_plan = resolve_target(str(EXAMPLES / "notes-py"))  # also prepares the managed environment
    assert isinstance(python_plan, StdioPlan)
    node = shutil.which("node") or "node"
    node_bin = str(EXAMPLES / "notes-node" / "bin" / "notes-node-mcp.js")
    return [
        Case(
            "notes-py, `-- python -m notes_mcp`",
            [sys.executable, "-m", "notes_mcp"],
            ["--", sys.executable, "-m", "notes_mcp"],
        ),
        Case("notes-py, project folder", list(python_plan.argv), [str(EXAMPLES / "notes-py")]),
        Case("notes-node, project folder", [node, node_bin], [str(EXAMPLES / "notes-node")]),
    ]


PEER_METHODS = ("tools/list", "prompts/list", "resources/list", "resources/templates/list")


def commands(case: Case) -> dict[str, list[list[str]]]:
    """Each runner is a sequence of commands timed together (the Inspector lists one thing per run)."""
    runs = {
        "baseline": [[sys.executable, str(ROOT / "benchmarks" / "raw_client.py"), *case.server]],
        "mcpship": [[mcpship_bin(), "inspect", "--json", *case.mcpship_target]],
    }
    if PEER_BIN.exists():
        peer = [str(PEER_BIN), "--cli", "-q", "--format", "json", *case.server, "--method"]
        runs["inspector_tools"] = [[*peer, "tools/list"]]
        runs["inspector_all"] = [[*peer, method] for method in PEER_METHODS]
    return runs


def timed(sequence: list[list[str]]) -> tuple[float, float]:
    """Wall time and CPU time (user + system of every process it waited for), in ms."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    for argv in sequence:
        completed = subprocess.run(argv, capture_output=True, timeout=120, check=False, cwd=ROOT)
        if completed.returncode != 0:
            raise SystemExit(f"{' '.join(argv)} failed ({completed.returncode}): {completed.stderr.decode()[-2000:]}")
    wall = (time.perf_counter() - started) * 1000
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - usage.ru_utime + after.ru_stime - usage.ru_stime) * 1000


def measure(all_cases: list[Case], runs: int, warmup: int) -> None:
    for case in all_cases:
        plan = commands(case)
        case.times = {name: [] for name in plan}
        case.cpu = {name: [] for name in plan}
        for index in range(warmup + runs):
            for name, argv in plan.items():
                elapsed, cpu = timed(argv)
                if index >= warmup:
                    case.times[name].append(elapsed)
                    case.cpu[name].append(cpu)
        print(f"measured {case.name}", file=sys.stderr)


def summary(case: Case) -> dict[str, float]:
    medians = {name: statistics.median(values) for name, values in case.times.items()}
    result = {f"{name}_median_ms": round(value, 1) for name, value in medians.items()}
    result["overhead_ms"] = round(medians["mcpship"] - medians["baseline"], 1)
    cpu = {name: statistics.median(values) for name, values in case.cpu.items()}
    result.update({f"{name}_cpu_median_ms": round(value, 1) for name, value in cpu.items()})
    result["cpu_overhead_ms"] = round(cpu["mcpship"] - cpu["baseline"], 1)
    result["mcpship_over_baseline"] = round(medians["mcpship"] / medians["baseline"], 2)
    if "inspector_all" in medians:
        result["inspector_all_over_mcpship"] = round(medians["inspector_all"] / medians["mcpship"], 2)
        result["inspector_tools_over_mcpship"] = round(medians["inspector_tools"] / medians["mcpship"], 2)
    return result


def render(all_cases: list[Case], runs: int) -> str:
    peer = all("inspector_all" in case.times for case in all_cases)
    lines = [
        START,
        "## `mcpship inspect`: overhead on top of the server's own start-up",
        "",
        f"`python benchmarks/inspect_overhead.py --runs {runs}` on {os.cpu_count()} cores, Python"
        f" {platform.python_version()}, {time.strftime('%Y-%m-%d')}. Medians of {runs} interleaved runs, wall time"
        " of fresh processes. Baseline: `benchmarks/raw_client.py` (stdlib JSON-RPC, no SDK) starting the same"
        " server and listing the same things. Target: overhead ≤ 100 ms. CPU: median user + system time of the"
        f" command and the server it started. Load average at the start: {os.getloadavg()[0]:.1f}.",
        "",
        "| server | baseline | mcpship inspect | overhead | mcpship / baseline | CPU baseline | CPU mcpship |"
        " CPU overhead |"
        + (" Inspector CLI, same 4 lists | ÷ mcpship | Inspector CLI, tools only | ÷ mcpship |" if peer else ""),
        "|---|---:|---:|---:|---:|---:|---:|---:|" + ("---:|---:|---:|---:|" if peer else ""),
    ]
    for case in all_cases:
        s = summary(case)
        verdict = "✓" if s["overhead_ms"] <= TARGET_MS else "✗"
        row = (
            f"| {case.name} | {s['baseline_median_ms']:.0f} ms | {s['mcpship_median_ms']:.0f} ms |"
            f" {s['overhead_ms']:.0f} ms {verdict} | {s['mcpship_over_baseline']:.2f}× |"
            f" {s['baseline_cpu_median_ms']:.0f} ms | {s['mcpship_cpu_median_ms']:.0f} ms |"
            f" {s['cpu_overhead_ms']:.0f} ms |"
        )
        if peer:
            row += (
                f" {s['inspector_all_median_ms']:.0f} ms | {s['inspector_all_over_mcpship']:.2f}× |"
                f" {s['inspector_tools_median_ms']:.0f} ms | {s['inspector_tools_over_mcpship']:.2f}× |"
            )
        lines.append(row)
    if not peer:
        lines += ["", "The MCP Inspector peer was not installed for this run (`npm ci --prefix benchmarks/peers`)."]
    lines += ["", END]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--warmup", type=int, default=2)
    options = parser.parse_args()
    all_cases = cases()
    measure(all_cases, options.runs, options.warmup)
    out = ROOT / "benchmarks" / "out"
    out.mkdir(exist_ok=True)
    data = {case.name: {"summary": summary(case), "times_ms": case.times, "cpu_ms": case.cpu} for case in all_cases}
    (out / "inspect_overhead.json").write_text(json.dumps(data, indent=2), encoding="utf-8")
    section = render(all_cases, options.runs)
    write_section(section, START, END)
    print(section)


if __name__ == "__main__":
    main()
