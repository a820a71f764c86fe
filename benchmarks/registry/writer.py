"""Another replica's writes: new versions of random existing servers, published straight into the database.

Run by the benchmark as a subprocess (``python writer.py <database url> <rate> <servers> <seed>``), pinned to the
client CPU (it stands for a replica on another machine; its database work lands on the database's CPU). It
starts paused; ``SIGUSR2`` resumes publishing at ``rate`` per second, ``SIGUSR1`` pauses it (missed ticks are
dropped, not caught up), ``SIGTERM`` ends it with a JSON report on stdout. Versions are ``2.<n>.0`` (n counts
up), so every publish is new and becomes the server's latest; the document has the data set's shape.
"""

from __future__ import annotations

import json
import random
import select
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

from dataset import server_document
from processes import CLIENT_CPU, pinning

__all__ = ["Writer", "WriterReport"]

HERE = Path(__file__).resolve().parent


@dataclass
class WriterReport:
    published: int = 0
    failures: int = 0
    first_failure: str = ""
    active_seconds: float = 0.0
    cpu_seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.published / self.active_seconds if self.active_seconds else 0.0


@dataclass
class Writer:
    """The controlling side: start once per database, ``resume``/``pause`` around the measured runs."""

    database_url: str
    rate: float
    servers: int
    seed: int = 11
    process: subprocess.Popen[str] | None = field(default=None, repr=False)
    report: WriterReport | None = None
    error: str = ""
    """Why there is no report (the writer died or printed none): a cleanup step must not raise."""
    _log: IO[str] | None = field(default=None, repr=False)

    def _stderr(self) -> str:
        if self._log is None:
            return ""
        self._log.seek(0)
        return self._log.read()[-3000:]

    def start(self, timeout: float = 60.0) -> None:
        argv = [sys.executable, str(HERE / "writer.py"), self.database_url, str(self.rate), str(self.servers)]
        # A file, not a pipe: a chatty writer must never block on it. Closed by ``stop``.
        self._log = tempfile.TemporaryFile("w+")  # noqa: SIM115
        self.process = subprocess.Popen(
            [*pinning(CLIENT_CPU), *argv, str(self.seed)], stdout=subprocess.PIPE, stderr=self._log, text=True
        )
        assert self.process.stdout is not None
        ready, _, _ = select.select([self.process.stdout], [], [], timeout)
        line = self.process.stdout.readline() if ready else ""
        if line.strip() != "ready":
            self.stop()
            raise RuntimeError(f"writer did not start within {timeout:.0f} s: {line!r}")

    def resume(self) -> None:
        self._signal(signal.SIGUSR2)

    def pause(self) -> None:
        self._signal(signal.SIGUSR1)

    def _signal(self, number: signal.Signals) -> None:
        if self.process is None or self.process.poll() is not None:
            raise RuntimeError(f"writer is not running: {self._stderr()}")
        self.process.send_signal(number)

    def stop(self) -> None:
        """End the writer and keep its report, or in ``error`` why there is none (idempotent, never raises)."""
        if self.process is None or self.process.returncode is not None:
            return
        try:
            self._end(self.process)
        finally:
            if self._log is not None:
                self._log.close()
                self._log = None

    def _end(self, process: subprocess.Popen[str]) -> None:
        if process.poll() is not None:
            self.error = f"writer died ({process.returncode}): {self._stderr()}"
            return
        process.send_signal(signal.SIGTERM)
        try:
            out, _ = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            out, _ = process.communicate(timeout=15)
        try:
            self.report = WriterReport(**json.loads(out.strip().splitlines()[-1]))
        except (IndexError, ValueError, TypeError) as error:
            self.error = f"writer ended without a report ({error}): {self._stderr()}"


class _Switch:
    """Signal-driven state of the writing side; also sums the wall and CPU time spent active.

    The handlers only assign plain attributes: a lock (``threading.Event``) taken in a handler can deadlock
    with the same lock held by the code the signal interrupted."""

    def __init__(self) -> None:
        self.active = False
        self.stopping = False
        self.active_seconds = 0.0
        self.cpu_seconds = 0.0
        self._since = (0.0, 0.0)

    def resume(self, *_: Any) -> None:
        if not self.active:
            self._since = (time.monotonic(), time.process_time())
            self.active = True

    def pause(self, *_: Any) -> None:
        if self.active:
            self.active = False
            self.active_seconds += time.monotonic() - self._since[0]
            self.cpu_seconds += time.process_time() - self._since[1]

    def stop(self, *_: Any) -> None:
        self.pause()
        self.stopping = True


IDLE_POLL = 0.02
"""Seconds between looks at the switch while paused (a signal also cuts the sleep short)."""


def _publish_loop(registry: Any, rate: float, servers: int, seed: int, switch: _Switch) -> WriterReport:
    rng = random.Random(seed)
    report = WriterReport()
    interval = 1.0 / rate
    next_at: float | None = None
    while not switch.stopping:
        if not switch.active:
            time.sleep(IDLE_POLL)
            next_at = None
            continue
        now = time.monotonic()
        if next_at is None or now - next_at > interval:  # after a pause or a slow publish: no burst
            next_at = now
        if now < next_at:
            time.sleep(min(next_at - now, IDLE_POLL))
            continue
        document = server_document(rng.randrange(servers), f"2.{report.published + report.failures}.0")
        try:
            registry.publish(document)
            report.published += 1
        except Exception as error:  # reported to the benchmark, which shows it beside the results
            report.failures += 1
            report.first_failure = report.first_failure or f"{type(error).__name__}: {error}"[:500]
        next_at += interval
    return report


def main() -> None:
    url, rate, servers, seed = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    from mcpship.registry.service import SqlRegistry

    switch = _Switch()
    signal.signal(signal.SIGUSR2, switch.resume)
    signal.signal(signal.SIGUSR1, switch.pause)
    signal.signal(signal.SIGTERM, switch.stop)
    with SqlRegistry.open(url, migrate=False) as registry:
        print("ready", flush=True)
        report = _publish_loop(registry, rate, servers, seed, switch)
    report.active_seconds, report.cpu_seconds = switch.active_seconds, switch.cpu_seconds
    print(json.dumps(asdict(report)), flush=True)


if __name__ == "__main__":
    main()
