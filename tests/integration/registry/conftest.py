"""Real registry servers for the API tests: ``python -m mcpship registry serve`` as a subprocess on a free
loopback port, on a temporary SQLite file or a database in a private PostgreSQL cluster.

Tokens are minted with the server's own JWT key (``--jwt-key-file``), the way ``/auth/admin`` would mint them,
so a test can act as an admin without a round trip; ``test_api_auth`` exercises the exchange itself.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from mcpship.registry.auth import Permission, TokenIssuer
from tests.conftest import free_port
from tests.registry_support.fixtures import postgres_server
from tests.registry_support.postgres import PostgresServer
from tests.shared_data import SHARED

__all__ = ["postgres_server"]  # the session's PostgreSQL cluster, as a fixture of this directory

BACKENDS = ("sqlite", "postgresql")
ADMIN_SECRET = "test-admin-secret-0123456789"
_START_TIMEOUT = 30.0
_STOP_TIMEOUT = 10.0


@dataclass
class RegistryServer:
    """One ``mcpship registry serve`` process; ``restart`` starts a new one on the same database and port."""

    database_url: str
    workdir: Path
    flags: tuple[str, ...] = ()
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    key: bytes = field(default_factory=lambda: os.urandom(32))

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        return self.workdir / f"registry-{self.port}.log"

    def start(self) -> None:
        key_file = self.workdir / "jwt.key"
        key_file.write_text(self.key.hex())
        admin_file = self.workdir / "admin.txt"
        admin_file.write_text(ADMIN_SECRET + "\n")
        command = [sys.executable, "-m", "mcpship", "registry", "serve", "--db", self.database_url]
        command += ["--port", str(self.port), "--jwt-key-file", str(key_file), "--admin-token-file", str(admin_file)]
        command += list(self.flags)
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        self._wait_healthy()

    def _wait_healthy(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + _START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"registry exited with {self.process.returncode}:\n{self.log.read_text()[-3000:]}")
            try:
                if httpx.get(f"{self.base_url}/v0.1/health", timeout=1.0).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.05)
        self.kill()
        pytest.fail(f"registry not healthy within {_START_TIMEOUT} s:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=_STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        """``kill -9``: no shutdown handler runs, open transactions are cut off mid-way."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=_STOP_TIMEOUT)

    def restart(self) -> None:
        self.stop()
        self.start()

    def token(self, *patterns: str, actions: tuple[str, ...] = ("publish", "edit")) -> str:
        """A registry token signed with the server's key (default: admin, every action on ``*``)."""
        grants = [Permission(action, pattern) for pattern in (patterns or ("*",)) for action in actions]  # type: ignore[arg-type]
        return TokenIssuer(self.key).issue(auth_method="test", subject="tests", permissions=grants).registry_token

    def client(self, token: str | None = None, **kwargs: object) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token or self.token()}"}
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=30.0, **kwargs)  # type: ignore[arg-type]


DatabaseFactory = Callable[[], str]


@pytest.fixture(scope="session")
def postgresql_databases(postgres_server: PostgresServer) -> DatabaseFactory:
    """Each call creates a fresh database in the session's private PostgreSQL cluster and returns its URL."""
    counter = iter(range(1_000_000))
    return lambda: postgres_server.create_database(f"api_{os.getpid()}_{next(counter)}")


@pytest.fixture(scope="session")
def sqlite_databases(tmp_path_factory: pytest.TempPathFactory) -> DatabaseFactory:
    folder = tmp_path_factory.mktemp("sqlite")
    counter = iter(range(1_000_000))
    return lambda: f"sqlite:///{folder / f'registry-{next(counter)}.db'}"


@pytest.fixture(params=BACKENDS, scope="module")
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def new_database(backend: str, request: pytest.FixtureRequest) -> DatabaseFactory:
    factory: DatabaseFactory = request.getfixturevalue(f"{backend}_databases")
    return factory


@pytest.fixture(scope="module")
def start_registry(
    new_database: DatabaseFactory, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[..., RegistryServer]]:
    """Start servers (each on a new database); every one is stopped at the end of the module."""
    started: list[RegistryServer] = []

    def start(*flags: str) -> RegistryServer:
        server = RegistryServer(new_database(), tmp_path_factory.mktemp("registry"), ("--no-ownership-checks", *flags))
        started.append(server)
        server.start()
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="module")
def registry(start_registry: Callable[..., RegistryServer]) -> RegistryServer:
    """One shared server per module and backend; tests use their own server names."""
    return start_registry("--enable-anonymous-auth")


CONFORMANCE = SHARED / "conformance" / "registry"
SCHEMA_URL = "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json"


def server_json(name: str, version: str = "1.0.0", **extra: object) -> dict[str, object]:
    """The smallest server.json the registry accepts, plus ``extra`` keys."""
    return {"$schema": SCHEMA_URL, "name": name, "description": f"Test server {name}", "version": version, **extra}


def encoded(name: str) -> str:
    return name.replace("/", "%2F")
