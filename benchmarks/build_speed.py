"""``mcpship build`` beside the tool a user would otherwise run, on the same project, in one run.

Run:  python benchmarks/build_speed.py [--runs 7]

* ``--target pypi`` vs ``uv build`` (sdist + wheel of examples/notes-py): time. Target: at most 1.1 times.
* ``--target mcpb`` vs the official ``mcpb pack`` (@anthropic-ai/mcpb, ``tests/tools``) on examples/notes-node,
  dependencies bundled in both: time and size. Target: no slower, no larger. ``mcpb pack`` zips a folder as it
  is, so it gets a folder prepared the way its docs say (package files plus production ``node_modules``); that
  preparation is not timed, while mcpship's time includes gathering the same content itself.

Interleaved runs, fresh output folders, medians. Results: benchmarks/RESULTS.md (build-speed section) and
benchmarks/out/build_speed.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from _results import write_section

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
MCPB_CLI = ROOT / "tests" / "tools" / "node_modules" / ".bin" / "mcpb"
START, END = "<!-- build-speed:start -->", "<!-- build-speed:end -->"


def mcpship_bin() -> str:
    found = Path(sys.executable).parent / "mcpship"
    return str(found) if found.exists() else (shutil.which("mcpship") or "mcpship")


def uv_bin() -> str:
    from mcpship.probe.pyenv import uv_executable

    return uv_executable()


def run(argv: list[str], cwd: Path | None = None) -> None:
    completed = subprocess.run(argv, capture_output=True, cwd=cwd, timeout=600, check=False)
    if completed.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed: {completed.stderr.decode()[-3000:]}")


def timed(action: Callable[[Path], Path | None]) -> tuple[float, int | None]:
    with tempfile.TemporaryDirectory(prefix="bench-") as scratch:
        started = time.perf_counter()
        produced = action(Path(scratch))
        elapsed = (time.perf_counter() - started) * 1000
        return elapsed, (produced.stat().st_size if produced is not None else None)


def pypi_pair() -> dict[str, Callable[[Path], Path | None]]:
    project = EXAMPLES / "notes-py"

    def uv(out: Path) -> None:
        run([uv_bin(), "build", "--quiet", "--out-dir", str(out), str(project)])

    def mcpship(out: Path) -> None:
        run([mcpship_bin(), "build", str(project), "--target", "pypi", "--out", str(out)])

    return {"uv build": uv, "mcpship --target pypi": mcpship}


def mcpb_pair(prepared: Path) -> dict[str, Callable[[Path], Path | None]]:
    project = EXAMPLES / "notes-node"

    def official(out: Path) -> Path:
        bundle = out / "notes.mcpb"
        run([str(MCPB_CLI), "pack", str(prepared), str(bundle)])
        return bundle

    def mcpship(out: Path) -> Path:
        run([mcpship_bin(), "build", str(project), "--target", "mcpb", "--out", str(out)])
        return next(out.glob("*.mcpb"))

    return {"mcpb pack": official, "mcpship --target mcpb": mcpship}


def prepare_for_mcpb_pack(into: Path) -> Path:
    """The notes-node package as `mcpb pack` expects it: manifest.json from mcpship's bundle, production deps."""
    with tempfile.TemporaryDirectory() as scratch:
        run([mcpship_bin(), "build", str(EXAMPLES / "notes-node"), "--target", "mcpb", "--out", scratch])
        bundle = next(Path(scratch).glob("*.mcpb"))
        run(["unzip", "-q", str(bundle), "-d", str(into)])
    return into


def measure(pair: dict[str, Callable[[Path], Path | None]], runs: int) -> dict[str, dict[str, float | None]]:
    times: dict[str, list[float]] = {name: [] for name in pair}
    sizes: dict[str, int | None] = {}
    for index in range(runs + 1):
        for name, action in pair.items():
            elapsed, size = timed(action)
            if index:  # the first round warms caches
                times[name].append(elapsed)
            sizes[name] = size
    return {
        name: {"median_ms": round(statistics.median(values), 1), "size": sizes[name]} for name, values in times.items()
    }


def render(results: dict[str, dict[str, dict[str, float | None]]], runs: int) -> str:
    lines = [
        START,
        "## `mcpship build` beside `uv build` and `mcpb pack`",
        "",
        f"`python benchmarks/build_speed.py --runs {runs}` on {os.cpu_count()} cores, {time.strftime('%Y-%m-%d')}."
        f" Medians of {runs} interleaved runs after one warm-up, each into a fresh folder.",
        "",
        "| comparison | peer | mcpship | time ratio (mcpship / peer) | size ratio | target |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for label, (peer, ours, target) in {
        "pypi: sdist + wheel of notes-py": ("uv build", "mcpship --target pypi", "≤ 1.1×"),
        "mcpb: notes-node with production deps": ("mcpb pack", "mcpship --target mcpb", "≤ 1.0× time and size"),
    }.items():
        group = results.get(label.split(":")[0])
        if group is None:
            lines.append(f"| {label} | – | – | – | – | not measured (peer not installed) |")
            continue
        peer_ms, our_ms = group[peer]["median_ms"], group[ours]["median_ms"]
        assert peer_ms is not None
        assert our_ms is not None
        peer_size, our_size = group[peer]["size"], group[ours]["size"]
        size_ratio = f"{our_size / peer_size:.3f}×" if peer_size and our_size else "–"
        lines.append(
            f"| {label} | {peer_ms:.0f} ms | {our_ms:.0f} ms | {our_ms / peer_ms:.2f}× | {size_ratio} | {target} |"
        )
    lines += ["", END]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description="mcpship build beside uv build and mcpb pack")
    parser.add_argument("--runs", type=int, default=7)
    options = parser.parse_args()
    results: dict[str, dict[str, dict[str, float | None]]] = {"pypi": measure(pypi_pair(), options.runs)}
    if MCPB_CLI.exists():
        with tempfile.TemporaryDirectory(prefix="bench-mcpb-") as scratch:
            prepared = prepare_for_mcpb_pack(Path(scratch) / "notes-node")
            results["mcpb"] = measure(mcpb_pair(prepared), options.runs)
    out = ROOT / "benchmarks" / "out"
    out.mkdir(exist_ok=True)
    (out / "build_speed.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    section = render(results, options.runs)
    write_section(section, START, END)
    print(section)


if __name__ == "__main__":
    main()
