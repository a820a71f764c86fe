"""A private, throw-away PostgreSQL 15 cluster for tests (real server, 127.0.0.1 only, stopped and removed after).

PostgreSQL refuses to run as root: when the tests run as root, ``initdb``/``pg_ctl`` run as the ``postgres``
user (``runuser``) on a data directory it owns, inside a fresh temp directory opened with mode 711.
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg

__all__ = ["PG_BIN", "PostgresServer", "PostgresUnavailableError", "running_postgres"]

PG_BIN = Path(os.environ.get("MCPSHIP_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))
ROLE = "mcpship"
START_TIMEOUT_SECONDS = 30


class PostgresUnavailableError(RuntimeError):
    """The cluster could not be created or started (the message says why, with the server log)."""


@dataclass(frozen=True)
class PostgresServer:
    host: str
    port: int
    password: str
    superuser_password: str
    directory: Path

    def url(self, dbname: str) -> str:
        """A SQLAlchemy URL for ``dbname``, as the unprivileged test role."""
        return f"postgresql+psycopg://{ROLE}:{self.password}@{self.host}:{self.port}/{dbname}"

    def superuser_connection(self, dbname: str = "postgres") -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(
            host=self.host,
            port=self.port,
            user="postgres",
            password=self.superuser_password,
            dbname=dbname,
            autocommit=True,
            connect_timeout=10,
        )

    def create_database(self, name: str, *, template: str | None = None) -> str:
        """Create ``name`` owned by the test role (optionally copied from ``template``); returns its URL.

        ``FILE_COPY`` copies the template's files in one go: about 20x faster than PostgreSQL 15's default
        ``WAL_LOG`` for the small databases tests use (fsync is off, so its checkpoint is cheap).
        """
        clause = f' TEMPLATE "{template}"' if template else ""
        with self.superuser_connection() as connection:
            connection.execute(f'CREATE DATABASE "{name}" OWNER {ROLE}{clause} STRATEGY FILE_COPY'.encode())
        return self.url(name)

    def drop_database(self, name: str) -> None:
        with self.superuser_connection() as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'.encode())


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _as_postgres() -> list[str]:
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def _run(command: list[str], log: Path | None = None) -> None:
    result = subprocess.run(command, capture_output=True, text=True, timeout=START_TIMEOUT_SECONDS, check=False)
    if result.returncode != 0:
        server_log = log.read_text(errors="replace")[-4000:] if log and log.exists() else ""
        raise PostgresUnavailableError(
            f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}{result.stderr}\n{server_log}"
        )


@contextmanager
def running_postgres(parent: Path | None = None) -> Iterator[PostgresServer]:
    """Create, start, yield and finally stop and delete a cluster under a new temp dir in ``parent``."""
    initdb, pg_ctl = PG_BIN / "initdb", PG_BIN / "pg_ctl"
    if not initdb.exists():
        raise PostgresUnavailableError(f"{initdb} not found: install PostgreSQL 15 (apt-get install postgresql-15)")
    root = Path(tempfile.mkdtemp(prefix="mcpship-pg-", dir=parent))
    root.chmod(0o711)
    data, sockets, log = root / "data", root / "sockets", root / "server.log"
    superuser_password, password = secrets.token_hex(16), secrets.token_hex(16)
    try:
        owner = pwd.getpwnam("postgres") if os.geteuid() == 0 else None
    except KeyError as missing:
        shutil.rmtree(root, ignore_errors=True)
        raise PostgresUnavailableError("running as root needs a 'postgres' user to own the cluster") from missing
    for directory in (data, sockets):
        directory.mkdir(mode=0o700)
    password_file = sockets / "pwfile"
    password_file.write_text(superuser_password + "\n")
    log.touch()
    if owner is not None:
        for path in (data, sockets, password_file, log):
            os.chown(path, owner.pw_uid, owner.pw_gid)
    started = False
    try:
        _run(
            [
                *_as_postgres(),
                str(initdb),
                "--pgdata",
                str(data),
                "--username=postgres",
                f"--pwfile={password_file}",
                "--auth-local=scram-sha-256",
                "--auth-host=scram-sha-256",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
                "--no-instructions",
            ]
        )
        password_file.unlink()
        port = _free_port()
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "port": str(port),
            "unix_socket_directories": f"'{sockets}'",
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "max_connections": "200",
            "shared_buffers": "64MB",
        }
        with (data / "postgresql.conf").open("a") as config:
            config.writelines(f"{key} = {value}\n" for key, value in settings.items())
        _run([*_as_postgres(), str(pg_ctl), "--pgdata", str(data), "--log", str(log), "--wait", "start"], log)
        started = True
        server = PostgresServer("127.0.0.1", port, password, superuser_password, root)
        with server.superuser_connection() as connection:
            connection.execute(f"CREATE ROLE {ROLE} LOGIN CREATEDB PASSWORD '{password}'".encode())
        yield server
    finally:
        if started:
            _run([*_as_postgres(), str(pg_ctl), "--pgdata", str(data), "--mode", "immediate", "--wait", "stop"])
        shutil.rmtree(root, ignore_errors=True)
