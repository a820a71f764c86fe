"""Peak resident memory, measured for the tests that bound it: of a command (with what it starts), of mcpship's
CLI itself (without the servers it starts), or of a process that is still running."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import Result

_MARK = "peak-rss-kib"
# A fresh Python process whose only child is the command: its RUSAGE_CHILDREN is that child's peak (descendants it
# waited for included). An address-space cap keeps a regression from taking the machine down with it: it then fails
# (MemoryError) instead of passing slowly. With --cli, mcpship's CLI runs in that process, which reports its own
# peak: servers it starts are not counted.
_RUNNER = f"""
import resource, subprocess, sys
if sys.argv[1] == "--cli":
    from mcpship.cli import main
    code, who = main(sys.argv[3:]), resource.RUSAGE_SELF
else:
    cap = lambda: resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))
    done = subprocess.run(sys.argv[2:], capture_output=True, text=True, timeout=float(sys.argv[1]), preexec_fn=cap)
    sys.stdout.write(done.stdout)
    sys.stderr.write(done.stderr)
    code, who = done.returncode, resource.RUSAGE_CHILDREN
sys.stderr.write(f"\\n{_MARK} {{resource.getrusage(who).ru_maxrss}}\\n")
sys.exit(code)
"""


@dataclass(frozen=True)
class Measured(Result):
    peak_kib: int


def run_measured(argv: Sequence[str], *, timeout: float = 120.0) -> Measured:
    """Run ``argv`` (at most ``timeout`` seconds): its output and the peak RSS, in KiB, of it and what it waited for."""
    return _measure([str(timeout), *argv], timeout)


def run_cli_measured(*args: str, timeout: float = 150.0) -> Measured:
    """``mcpship ARGS`` in a fresh interpreter: its output and that process's own peak RSS in KiB."""
    return _measure(["--cli", str(timeout), *args], timeout)


def _measure(runner_args: list[str], timeout: float) -> Measured:
    completed = subprocess.run(
        [sys.executable, "-c", _RUNNER, *runner_args],
        capture_output=True,
        text=True,
        timeout=timeout + 30,
        env={**os.environ, "NO_COLOR": "1", "COLUMNS": "200"},
        check=False,
    )
    stderr, found, peak = completed.stderr.rpartition(f"\n{_MARK} ")
    assert found, f"the measuring process failed: {completed.stderr[-2000:]}"
    return Measured(completed.returncode, completed.stdout, stderr, int(peak))


def peak_rss_kib(pid: int) -> int:
    """The peak RSS (VmHWM) of the running process ``pid``, in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError(f"no VmHWM in /proc/{pid}/status")
