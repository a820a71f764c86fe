"""Servers under test as subprocesses pinned to one CPU, and what /proc tells about them (CPU time, peak RSS)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "CLIENT_CPU",
    "SERVER_CPU",
    "Server",
    "cpu_seconds",
    "free_port",
    "peak_rss_kib",
    "pinning",
    "processes_cpu",
    "system_busy",
]

SERVER_CPU = 0
CLIENT_CPU = 1
UVICORN_OPTIONS = ("--workers", "1", "--loop", "uvloop", "--http", "httptools", "--log-level", "warning")
TICKS = os.sysconf("SC_CLK_TCK")


def pinning(cpu: int) -> list[str]:
    """``taskset`` (and ``nice``) prefix for a command; no pinning on a one-CPU machine (nothing to separate)."""
    pin = ["taskset", "-c", str(cpu)] if (os.cpu_count() or 1) > 1 else []
    niceness = int(os.environ.get("REGISTRY_BENCH_NICE", "0"))  # bench.py --nice, for shared machines
    return [*pin, *(["nice", "-n", str(niceness)] if niceness else [])]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def peak_rss_kib(pid: int) -> int:
    """``VmHWM``: the process's peak resident set since it started."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmHWM for process {pid}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def processes_cpu(pids: list[int]) -> float:
    """CPU seconds of the processes that still exist (PostgreSQL backends come and go)."""
    total = 0.0
    for pid in pids:
        try:
            total += cpu_seconds(pid)
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


def system_busy() -> float:
    """CPU seconds the whole machine has spent busy (``/proc/stat``: all but idle and iowait)."""
    ticks = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(ticks[:8]) - ticks[3] - ticks[4]) / TICKS


@dataclass
class Server:
    """One uvicorn process serving on 127.0.0.1:``port``, pinned to :data:`SERVER_CPU`."""

    name: str
    argv: list[str]
    port: int
    env: dict[str, str]
    log: Path
    process: subprocess.Popen[bytes] | None = None

    @classmethod
    def uvicorn(cls, name: str, target: list[str], port: int, env: dict[str, str], log: Path) -> Server:
        """``target`` is what follows the shared uvicorn options (an app import string, ``--factory``, …)."""
        argv = [
            *pinning(SERVER_CPU),
            sys.executable,
            "-m",
            "uvicorn",
            *UVICORN_OPTIONS,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            *target,
        ]
        return cls(name, argv, port, env, log)

    @property
    def pid(self) -> int:
        assert self.process is not None, "server not started"
        return self.process.pid

    def start(self, timeout: float = 60.0) -> None:
        with self.log.open("wb") as sink:
            self.process = subprocess.Popen(self.argv, env={**os.environ, **self.env}, stdout=sink, stderr=sink)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited ({self.process.returncode}): {self.log.read_text()[-3000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"{self.name} did not listen on port {self.port} within {timeout:.0f} s")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)  # uvicorn shuts down gracefully on it (SIGINT may be ignored)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=15)
