"""``dev/mutate``: mutation testing of mcpship's critical modules with mutmut.

A mutant is a one-token change to the code (``>`` for ``>=``, a dropped call, another constant); a test suite
that lets it pass has a hole. For each module of ``dev/mutation/modules.toml`` this script runs mutmut in its
own work folder (``.mutate/<module>/``: links to ``src``, ``tests`` and ``examples`` and a generated
``pyproject.toml``), so modules never share caches and the repository's own ``pyproject.toml`` stays as it is.
mutmut runs, per mutant, only the tests that reached the mutated function.

Verdicts: ``killed`` (also ``timeout``: the mutant hung a test) or not killed (``survived``, ``no tests``,
``suspicious``). Mutants listed in ``dev/mutation/equivalent.toml`` (no behaviour changes) leave the count, each
with its reason; an entry whose mutant is gone, writes another line, or is killed is an error.

Modes:
- ``dev/mutate [MODULE...]``: run (incrementally: mutmut keeps verdicts of unchanged functions) and print the table;
- ``--survivors``: also print every surviving mutant's diff, to write the test that kills it;
- ``--record``: fresh runs of the modules, written to ``dev/mutation/record.json`` and ``benchmarks/MUTATION.md``;
- ``--ci``: what CI runs, in minutes: per module, a fixed sample of its recorded kills (they must still be killed)
  and every mutant of the functions that changed since its record (by mutmut's own hash of each function), whose
  verdicts with the recorded ones of the unchanged functions must reach the module's threshold. A module without a
  record is run whole.
"""

from __future__ import annotations

import argparse
import fnmatch
import hashlib
import json
import math
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import tomlkit
from mutmut.mutation.file_mutation import compute_function_hashes

ROOT = Path(__file__).resolve().parents[2]
HERE = ROOT / "dev" / "mutation"
WORK = ROOT / ".mutate"
RECORD = HERE / "record.json"
TABLE = ROOT / "benchmarks" / "MUTATION.md"
KILLED = frozenset({"killed", "timeout", "segfault"})
NOT_KILLED = frozenset({"survived", "no tests", "suspicious"})
SAMPLE_SIZE = 20
"""Recorded kills CI re-checks per unchanged module: chosen by the hash of their names, so the same ones each run."""
_RESULT_LINE = re.compile(r"^\s+(?P<name>\S+): (?P<status>[a-z ]+)$")
_LINKED = ("src", "tests", "examples")


class MutationError(Exception):
    """A run that could not be judged (mutmut failed, a stale equivalent entry); the message says what to do."""


@dataclass(frozen=True)
class Module:
    name: str
    title: str
    threshold: float
    files: tuple[str, ...]
    tests: tuple[str, ...]

    def owns(self, mutant: str) -> bool:
        """Whether ``mutant`` (``mcpship.pkg.mod.x_function__mutmut_3``) mutates one of this module's files."""
        return any(mutant.startswith(prefix) for prefix in self.prefixes)

    @property
    def prefixes(self) -> tuple[str, ...]:
        return tuple(path.removeprefix("src/").removesuffix(".py").replace("/", ".") + "." for path in self.files)

    def functions(self) -> dict[str, str]:
        """Each function of the module's files by the name its mutants start with (``pkg.mod.x_function``), with
        mutmut's hash of its code: the unit whose verdicts a record keeps."""
        hashes = {}
        for path, prefix in zip(self.files, self.prefixes, strict=True):
            source = (ROOT / path).read_text(encoding="utf-8")
            hashes.update({prefix + key: value for key, value in compute_function_hashes(source).items()})
        return hashes

    def digest(self) -> str:
        """The files' contents: a record holds for as long as this stays the same."""
        digest = hashlib.sha256()
        for path in sorted(self.files):
            digest.update(path.encode() + b"\0" + (ROOT / path).read_bytes() + b"\0")
        return digest.hexdigest()


@dataclass(frozen=True)
class Equivalent:
    name: str
    line: str
    reason: str


@dataclass
class Score:
    module: Module
    statuses: dict[str, str]
    equivalent: dict[str, Equivalent]
    seconds: float
    survivors: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.survivors = sorted(
            name for name, status in self.statuses.items() if status in NOT_KILLED and name not in self.equivalent
        )

    @property
    def counted(self) -> int:
        return len(self.statuses) - len(self.equivalent)

    @property
    def killed(self) -> int:
        return sum(1 for name, status in self.statuses.items() if status in KILLED and name not in self.equivalent)

    @property
    def rate(self) -> float:
        return self.killed / self.counted if self.counted else 1.0

    @property
    def passes(self) -> bool:
        return self.rate >= self.module.threshold


def load_modules() -> dict[str, Module]:
    data = tomllib.loads((HERE / "modules.toml").read_text(encoding="utf-8"))
    modules = {}
    for name, table in data.items():
        module = Module(name, table["title"], float(table["threshold"]), tuple(table["files"]), tuple(table["tests"]))
        missing = [path for path in (*module.files, *module.tests) if not (ROOT / path).exists()]
        if missing:
            raise MutationError(f"dev/mutation/modules.toml [{name}]: no such file {missing[0]}; fix the path")
        modules[name] = module
    return modules


def load_equivalents() -> dict[str, Equivalent]:
    data = tomllib.loads((HERE / "equivalent.toml").read_text(encoding="utf-8"))
    entries: dict[str, Equivalent] = {}
    for index, item in enumerate(data.get("mutant", [])):
        missing = {"name", "line", "reason"} - set(item)
        if missing or not str(item.get("reason", "")).strip():
            raise MutationError(f"dev/mutation/equivalent.toml mutant[{index}]: needs name, line and a reason")
        entries[item["name"]] = Equivalent(item["name"], item["line"], item["reason"])
    return entries


# -- running mutmut -------------------------------------------------------------------------------------------------


def _environment() -> dict[str, str]:
    environment = dict(os.environ)
    # The work folder's tests live below .mutate/, so ../shared is not where tests/shared_data.py would look.
    environment.setdefault("MCPSHIP_SHARED_DIR", str(ROOT.parent / "shared"))
    environment["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{environment.get('PATH', '')}"
    environment.pop("PYTEST_ADDOPTS", None)
    return environment


def prepare(module: Module, *, fresh: bool) -> Path:
    """The module's work folder: links to the sources and tests, and a pyproject.toml whose [tool.mutmut] is it."""
    workdir = WORK / module.name
    if fresh and workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    for name in _LINKED:
        link = workdir / name
        if not link.is_symlink():
            link.symlink_to(ROOT / name, target_is_directory=True)
    project = tomlkit.parse((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    settings = tomlkit.table()
    settings["source_paths"] = ["src"]
    settings["also_copy"] = ["examples"]
    settings["only_mutate"] = list(module.files)
    settings["pytest_add_cli_args_test_selection"] = list(module.tests)
    # pytest's own tmp_path cleanup can drop a scandir iterator half read when pytest processes race over
    # /tmp/pytest-of-USER (mutmut's workers do), and the suite's "error" filter turns that into a failed run.
    settings["pytest_add_cli_args"] = [
        "-p",
        "no:cacheprovider",
        "-W",
        "ignore:Exception ignored in.*ScandirIterator:pytest.PytestUnraisableExceptionWarning",
    ]
    settings["use_git_change_detection"] = False
    project.setdefault("tool", tomlkit.table())["mutmut"] = settings
    text = tomlkit.dumps(project)
    target = workdir / "pyproject.toml"
    if not target.exists() or target.read_text(encoding="utf-8") != text:
        target.write_text(text, encoding="utf-8")
    return workdir


def _mutmut(workdir: Path, *args: str, log: Path | None = None, timeout: float = 7200) -> str:
    command = [sys.executable, "-m", "mutmut", *args]
    try:
        if log is None:
            done = subprocess.run(
                command, cwd=workdir, env=_environment(), capture_output=True, text=True, timeout=timeout, check=False
            )
        else:
            with log.open("w", encoding="utf-8") as sink:
                done = subprocess.run(
                    command,
                    cwd=workdir,
                    env=_environment(),
                    stdout=sink,
                    stderr=subprocess.STDOUT,
                    text=True,
                    timeout=timeout,
                    check=False,
                )
    except subprocess.TimeoutExpired:
        raise MutationError(f"mutmut {args[0]} in {workdir} ran past {timeout:.0f} s") from None
    if done.returncode != 0:
        where = f"; its output is in {log}" if log else f":\n{done.stdout[-2000:]}{done.stderr[-2000:]}"
        raise MutationError(f"mutmut {' '.join(args[:1])} failed in {workdir} (exit {done.returncode}){where}")
    return done.stdout or ""


def statuses(workdir: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    for line in _mutmut(workdir, "results", "--all", "true").splitlines():
        match = _RESULT_LINE.match(line)
        if match:
            found[match["name"]] = match["status"]
    return found


def diff(workdir: Path, name: str) -> str:
    return _mutmut(workdir, "show", name)


def added_lines(text: str) -> list[str]:
    return [line[1:].strip() for line in text.splitlines() if line.startswith("+") and not line.startswith("+++")]


def function_of(mutant: str) -> str:
    """``pkg.mod.x_function__mutmut_3`` -> ``pkg.mod.x_function``."""
    return mutant.rsplit("__mutmut_", 1)[0]


def run(module: Module, *, fresh: bool, jobs: int, names: Sequence[str] = ()) -> tuple[Path, dict[str, str], float]:
    """Run mutmut over ``module`` (or only the mutants ``names``: names or fnmatch patterns); the verdicts of this
    module's mutants (of those chosen)."""
    workdir = prepare(module, fresh=fresh)
    started = time.monotonic()
    _mutmut(workdir, "run", "--max-children", str(jobs), *names, log=workdir / "mutmut.log")
    found = {name: status for name, status in statuses(workdir).items() if module.owns(name)}
    if names:
        found = {name: status for name, status in found.items() if matches_any(name, names)}
    unknown = sorted(set(found.values()) - KILLED - NOT_KILLED)
    if unknown:
        raise MutationError(f"{module.name}: mutmut left mutants {unknown[0]!r}; rerun, or see {workdir}/mutmut.log")
    return workdir, found, time.monotonic() - started


def matches_any(name: str, names: Sequence[str]) -> bool:
    return any(name == pattern or fnmatch.fnmatchcase(name, pattern) for pattern in names)


def judge(
    module: Module, workdir: Path, found: Mapping[str, str], equivalents: Mapping[str, Equivalent]
) -> dict[str, Equivalent]:
    """This module's equivalent entries, each checked against the run: it exists, writes its line, survived."""
    mine = {name: entry for name, entry in equivalents.items() if module.owns(name)}
    for name, entry in mine.items():
        if name not in found:
            raise MutationError(f"dev/mutation/equivalent.toml: {name} no longer exists; remove or re-find the entry")
        if entry.line.strip() not in added_lines(diff(workdir, name)):
            raise MutationError(
                f"dev/mutation/equivalent.toml: {name} now writes another line than {entry.line!r}: the code moved;"
                " find the equivalent mutant's new name with --survivors"
            )
        if found[name] in KILLED:
            raise MutationError(f"dev/mutation/equivalent.toml: {name} is killed, so it is not equivalent; remove it")
    return mine


# -- records and the table ------------------------------------------------------------------------------------------


def sample(found: Mapping[str, str], size: int = SAMPLE_SIZE) -> list[str]:
    killed = [name for name, status in found.items() if status in KILLED]
    return sorted(killed, key=lambda name: hashlib.sha256(name.encode()).hexdigest())[:size]


def confirm_sample(module: Module, found: dict[str, str], *, jobs: int) -> dict[str, str]:
    """Run the sample's candidates again one by name, as CI will, and keep their verdicts: a mutant a whole run
    counted killed can survive alone (seen on 2 of 140 server_json kills re-run so; both were equivalent), and a
    recorded kill CI cannot reproduce would fail it for nothing."""
    candidates = sample(found, 2 * SAMPLE_SIZE)
    if not candidates:
        return found
    _, again, _ = run(module, fresh=False, jobs=jobs, names=candidates)
    changed = sorted(name for name in candidates if again.get(name) not in KILLED)
    for name in changed:
        print(f"note: {name} was counted killed in the whole run but survives alone: it counts as survived")
    return {**found, **{name: again[name] for name in candidates if name in again}}


def function_verdicts(score: Score) -> dict[str, dict[str, Any]]:
    """Per function of the module: mutmut's hash of its code and its counted (non-equivalent) and killed mutants,
    so CI can re-run only the functions that change and still judge the whole module."""
    table: dict[str, dict[str, Any]] = {
        name: {"hash": value, "counted": 0, "killed": 0} for name, value in score.module.functions().items()
    }
    for mutant, status in score.statuses.items():
        if mutant in score.equivalent:
            continue
        row = table.get(function_of(mutant))
        if row is None:
            raise MutationError(f"{mutant}: no function of {score.module.name} has this name; is mutmut's pin changed?")
        row["counted"] += 1
        row["killed"] += status in KILLED
    return table


def read_record() -> dict[str, Any]:
    if not RECORD.exists():
        return {}
    record: dict[str, Any] = json.loads(RECORD.read_text(encoding="utf-8"))
    return record


def _commit() -> str:
    done = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    return done.stdout.strip() or "unknown"


def record_entry(score: Score, workdir: Path) -> dict[str, Any]:
    return {
        "title": score.module.title,
        "sources": score.module.digest(),
        "mutants": len(score.statuses),
        "equivalent": len(score.equivalent),
        "killed": score.killed,
        "survived": len(score.survivors),
        "kill_rate": round(score.rate, 4),
        "threshold": score.module.threshold,
        "seconds": round(score.seconds),
        "survivors": score.survivors,
        "sample": sample(score.statuses),
        "functions": function_verdicts(score),
        "commit": _commit(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
    }


def percent(rate: float) -> str:
    """A rate rounded down to 0.1%, so one survivor in 2,000 never reads as 100.0%."""
    return f"{math.floor(round(rate * 1000, 6)) / 10:.1f}%"


def write_record(record: Mapping[str, Any]) -> None:
    _replace(RECORD, json.dumps(record, indent=2, sort_keys=True) + "\n")
    rows = [
        "| module | files | mutants | equivalent | killed | survived | kill rate | threshold | time | recorded |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    modules = load_modules()
    for name, entry in record.items():
        files = len(modules[name].files) if name in modules else "?"
        mark = "✓" if entry["kill_rate"] >= entry["threshold"] else "✗"
        rows.append(
            f"| {entry['title']} (`{name}`) | {files} | {entry['mutants']} | {entry['equivalent']}"
            f" | {entry['killed']} | {entry['survived']} | {percent(entry['kill_rate'])} {mark}"
            f" | {entry['threshold']:.0%}"
            f" | {entry['seconds']} s | {entry['date']} ({entry['commit']}) |"
        )
    text = (
        "# Mutation testing of the critical modules\n\n"
        "Written by `dev/mutate --record` (mutmut, one fresh run per module on this machine's 2 cores); do not edit.\n"
        "A kill rate is killed ÷ (mutants − equivalent); equivalent mutants are listed with their reasons in\n"
        "`dev/mutation/equivalent.toml`. CI (`dev/mutate --ci`) runs a changed module whole and requires its\n"
        "threshold, and re-checks a fixed sample of each unchanged module's kills. How to use it:\n"
        "[docs/contributing.md](../docs/contributing.md#mutation-testing).\n\n" + "\n".join(rows) + "\n"
    )
    _replace(TABLE, text)


def _replace(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)


# -- the commands ---------------------------------------------------------------------------------------------------


def _line(score: Score) -> str:
    mark = "✓" if score.passes else "✗"
    return (
        f"{score.module.name:<18} {len(score.statuses):>5} mutants  {score.killed:>5} killed  "
        f"{len(score.survivors):>4} survived  {len(score.equivalent):>3} equivalent  {percent(score.rate):>7} {mark}"
        f"  (threshold {score.module.threshold:.0%}, {score.seconds:.0f} s)"
    )


def full(
    modules: Iterable[Module],
    *,
    fresh: bool,
    jobs: int,
    show_survivors: bool,
    retry: bool = False,
    confirm: bool = False,
) -> list[tuple[Score, Path]]:
    equivalents = load_equivalents()
    scores = []
    for module in modules:
        print(f"mutating {module.name}: {module.title} ({len(module.files)} files) ...", flush=True)
        workdir, found, seconds = run(module, fresh=fresh, jobs=jobs)
        again = sorted(name for name, status in found.items() if status in NOT_KILLED and name not in equivalents)
        if retry and again:
            # mutmut keeps a verdict until the function changes: a test added since must be given the survivors.
            print(f"retrying {len(again)} surviving mutants against the tests as they are now ...", flush=True)
            workdir, retried, more = run(module, fresh=False, jobs=jobs, names=again)
            found, seconds = {**found, **retried}, seconds + more
        if confirm:
            found = confirm_sample(module, found, jobs=jobs)
        score = Score(module, dict(found), judge(module, workdir, found, equivalents), seconds)
        print(_line(score), flush=True)
        if show_survivors:
            for name in score.survivors:
                print(f"\n# {name} ({found[name]})\n{diff(workdir, name).strip()}")
        scores.append((score, workdir))
    return scores


def ci(modules: Iterable[Module], *, jobs: int) -> bool:
    record = read_record()
    equivalents = load_equivalents()
    results = []
    for module in modules:
        entry = record.get(module.name)
        if entry is None or "functions" not in entry:
            results.append(_ci_whole(module, jobs=jobs, equivalents=equivalents))
        else:
            results.append(_ci_changes(module, entry, jobs=jobs, equivalents=equivalents))
    return all(results)


def changed_functions(recorded: Mapping[str, Mapping[str, Any]], current: Mapping[str, str]) -> set[str]:
    """Functions new or changed since the record (removed ones simply leave the count)."""
    return {name for name, value in current.items() if recorded.get(name, {}).get("hash") != value}


def combined_rate(
    recorded: Mapping[str, Mapping[str, Any]], current: Iterable[str], changed: set[str], score: Score
) -> float:
    """The module's kill rate: ``score`` (the changed functions, run now) plus the record of every unchanged one."""
    kept = [recorded[name] for name in current if name not in changed]
    counted = score.counted + sum(int(row["counted"]) for row in kept)
    killed = score.killed + sum(int(row["killed"]) for row in kept)
    return killed / counted if counted else 1.0


def _below_threshold(module: Module, rate: float, survivors: Sequence[str]) -> None:
    shown = ", ".join(survivors[:10]) + (f" and {len(survivors) - 10} more" if len(survivors) > 10 else "")
    print(
        f"error: {module.name} kills {percent(rate)} of its mutants, below {module.threshold:.0%}"
        + (f"; surviving: {shown}" if survivors else "")
        + f"\nhint: `dev/mutate {module.name} --survivors` shows each surviving mutant; add the test that kills it"
        " (or list it in dev/mutation/equivalent.toml with the reason), then"
        f" `dev/mutate --record {module.name}`",
        flush=True,
    )


def _ci_whole(module: Module, *, jobs: int, equivalents: Mapping[str, Equivalent]) -> bool:
    print(f"{module.name}: no record yet: every mutant is run", flush=True)
    workdir, found, seconds = run(module, fresh=True, jobs=jobs)
    score = Score(module, dict(found), judge(module, workdir, found, equivalents), seconds)
    print(_line(score), flush=True)
    if not score.passes:
        _below_threshold(module, score.rate, score.survivors)
        return False
    print(f"warning: benchmarks/MUTATION.md has no row for {module.name}: run `dev/mutate --record {module.name}`")
    return True


def _ci_changes(module: Module, entry: Mapping[str, Any], *, jobs: int, equivalents: Mapping[str, Equivalent]) -> bool:
    """Re-check the recorded sample of kills and run the functions changed since the record; the module's rate is
    their fresh verdicts plus the recorded ones of every unchanged function."""
    recorded: Mapping[str, Mapping[str, Any]] = entry["functions"]
    current = module.functions()
    changed = changed_functions(recorded, current)
    checks = [name for name in entry["sample"] if function_of(name) in current and function_of(name) not in changed]
    patterns = [f"{name}__mutmut_*" for name in sorted(changed)]
    workdir, found, seconds = run(module, fresh=True, jobs=jobs, names=[*checks, *patterns])
    lost = sorted(name for name in checks if found.get(name) not in KILLED)
    print(f"{module.name}: {len(checks) - len(lost)}/{len(checks)} recorded kills still killed ({seconds:.0f} s)")
    ok = True
    if lost:
        ok = False
        print(
            f"error: {module.name}: the tests no longer kill {', '.join(lost)}\n"
            f"hint: `dev/mutate {module.name} --survivors` shows them; a test that covered them was removed or"
            " weakened",
            flush=True,
        )
    if not changed:
        return ok
    fresh = {name: status for name, status in found.items() if function_of(name) in changed}
    mine = {name: item for name, item in equivalents.items() if function_of(name) in changed}
    score = Score(module, fresh, judge(module, workdir, fresh, mine), seconds)
    rate = combined_rate(recorded, current, changed, score)
    print(
        f"{module.name}: {len(changed)} functions changed since its record: {score.killed} of their"
        f" {score.counted} mutants killed; with the recorded verdicts of the others {percent(rate)}"
        f" (threshold {module.threshold:.0%})",
        flush=True,
    )
    if rate < module.threshold:
        _below_threshold(module, rate, score.survivors)
        return False
    print(f"warning: benchmarks/MUTATION.md is stale for {module.name}: run `dev/mutate --record {module.name}`")
    return ok


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="dev/mutate",
        description="Mutation testing of mcpship's critical modules (dev/mutation/modules.toml) with mutmut.",
        epilog="examples:\n  dev/mutate interface --survivors    run one module, show what survives\n"
        "  dev/mutate --record                 fresh runs of every module, written to benchmarks/MUTATION.md\n"
        "  dev/mutate --ci                     what CI runs",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("modules", nargs="*", metavar="MODULE", help="modules to run (default: all)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--record", action="store_true", help="fresh runs, written to the record and the table")
    mode.add_argument("--ci", action="store_true", help="changed modules whole, a sample of the others")
    mode.add_argument("--list", action="store_true", help="list the modules and exit")
    parser.add_argument("--survivors", action="store_true", help="print every surviving mutant's diff")
    parser.add_argument("--fresh", action="store_true", help="forget earlier verdicts (--record and --ci always do)")
    parser.add_argument(
        "--retry", action="store_true", help="run the survivors again (earlier verdicts hold until a function changes)"
    )
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2, help="mutants tested at once")
    options = parser.parse_args(argv)
    try:
        every = load_modules()
        unknown = [name for name in options.modules if name not in every]
        if unknown:
            parser.error(f"unknown module {unknown[0]!r}; one of: {', '.join(every)}")
        chosen = [every[name] for name in options.modules] if options.modules else list(every.values())
        if options.list:
            for module in every.values():
                print(f"{module.name:<18} {module.title} ({len(module.files)} files; tests: {' '.join(module.tests)})")
            return 0
        if options.ci:
            return 0 if ci(chosen, jobs=options.jobs) else 1
        scores = full(
            chosen,
            fresh=options.fresh or options.record,
            jobs=options.jobs,
            show_survivors=options.survivors,
            retry=options.retry,
            confirm=options.record,
        )
        if options.record:
            record = read_record()
            for score, workdir in scores:
                record[score.module.name] = record_entry(score, workdir)
            write_record({name: record[name] for name in every if name in record})
            print(f"wrote {RECORD.relative_to(ROOT)} and {TABLE.relative_to(ROOT)}")
        return 0 if all(score.passes for score, _ in scores) else 1
    except MutationError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
