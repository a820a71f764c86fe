"""Run a command as the only child of a fresh Python process and report that child's peak resident memory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass

# RUSAGE_CHILDREN of a fresh process with one child is that child's own peak. An address-space cap keeps a
# regression from taking the machine down with it: it then fails (MemoryError) instead of passing slowly.
_RUNNER = """
import json, resource, subprocess, sys
cap = lambda: resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))
done = subprocess.run(sys.argv[1:], capture_output=True, text=True, timeout=120, preexec_fn=cap)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"code": done.returncode, "stdout": done.stdout, "stderr": done.stderr, "peak_kib": peak}))
"""


@dataclass(frozen=True)
class Measured:
    returncode: int
    stdout: str
    stderr: str
    peak_kib: int


def run_measured(argv: Sequence[str]) -> Measured:
    """Run ``argv`` (at most 120 s) and return its output and peak RSS in KiB."""
    completed = subprocess.run(
        [sys.executable, "-c", _RUNNER, *argv],
        capture_output=True,
        text=True,
        timeout=150,
        env={**os.environ, "NO_COLOR": "1", "COLUMNS": "200"},
        check=True,
    )
    report = json.loads(completed.stdout)
    return Measured(report["code"], report["stdout"], report["stderr"], int(report["peak_kib"]))
