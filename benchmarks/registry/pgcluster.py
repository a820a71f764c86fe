"""A private, throw-away PostgreSQL cluster for the benchmark (127.0.0.1 only, trust auth, its own socket dir).

Postgres refuses to run as root, so as root the cluster belongs to the ``postgres`` user (``runuser``). The
postmaster and its backends are pinned to the server CPU: the database is part of the server under test.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from processes import SERVER_CPU, free_port, pinning

__all__ = ["PostgresCluster"]


def _bindir() -> Path:
    found = shutil.which("pg_ctl")
    if found:
        return Path(os.path.realpath(found)).parent
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    if not candidates:
        raise RuntimeError("PostgreSQL server binaries not found (Debian: apt-get install postgresql)")
    return Path(candidates[-1]).parent


class PostgresCluster:
    def __init__(self) -> None:
        self.bindir = _bindir()
        self.root = Path(tempfile.mkdtemp(prefix="mcpship-bench-pg-"))
        self.data = self.root / "data"
        self.sockets = self.root / "sock"
        self.port = free_port()
        self.as_root = os.geteuid() == 0

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/bench"

    def _run(self, argv: list[str], *, pin: bool = False) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if self.as_root else []
        command = [*(pinning(SERVER_CPU) if pin else []), *prefix, *argv]
        completed = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        if completed.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} failed: {completed.stderr[-2000:] or completed.stdout[-2000:]}")

    def start(self) -> None:
        self.sockets.mkdir()
        if self.as_root:
            self.root.chmod(0o711)
            shutil.chown(self.sockets, "postgres")
            self.data.mkdir(mode=0o700)
            shutil.chown(self.data, "postgres")
        initdb = [str(self.bindir / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync"]
        self._run([*initdb, "-E", "UTF8", "--locale", "C"])
        # No parallel query workers: they are short-lived processes the CPU accounting would miss (counted as
        # "other work"), and on the one pinned CPU they cannot speed anything up.
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.sockets} -c max_parallel_workers_per_gather=0"
        log = str(self.sockets / "postgres.log")  # a folder the postgres user may write
        pg_ctl = str(self.bindir / "pg_ctl")
        self._run([pg_ctl, "-D", str(self.data), "-l", log, "-w", "-o", options, "start"], pin=True)
        self._run([str(self.bindir / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "bench"])

    def pids(self) -> list[int]:
        """The postmaster and every backend (for CPU accounting)."""
        postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        children = Path(f"/proc/{postmaster}/task/{postmaster}/children")
        return [postmaster, *(int(pid) for pid in children.read_text().split())] if children.exists() else [postmaster]

    def stop(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self._run([str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"])
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
