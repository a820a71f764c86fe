"""Pytest fixtures and helpers for registry store tests; import the fixtures into any conftest.

``postgres_server`` (session): a private PostgreSQL 15 cluster. ``postgres_url``: a fresh, empty database
per test. ``migrated_postgres_url``: a fresh database already at the latest schema (copied from a template,
so migrations run once per cluster). ``sqlite_url``: a fresh SQLite file per test. The helpers
(:func:`fresh_database`, :func:`migrated_template`) build the same things for fixtures with other names.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from mcpship.registry.problems import RegistryHTTPError
from mcpship.registry.service import SqlRegistry
from tests.registry_support.postgres import PostgresServer, running_postgres

__all__ = [
    "fresh_database",
    "migrated_postgres_url",
    "migrated_template",
    "postgres_server",
    "postgres_url",
    "race_same_version",
    "run_python_concurrently",
    "server_json",
    "sqlite_url",
]

_TEMPLATE = "mcpship_registry_template"
_templates_ready: set[tuple[str, int]] = set()
_templates_lock = threading.Lock()


def server_json(name: str = "io.github.acme/notes", version: str = "1.0.0", **fields: Any) -> dict[str, Any]:
    """A minimal valid server.json; ``fields`` are added or override (``None`` removes a key)."""
    document: dict[str, Any] = {
        "$schema": "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json",
        "name": name,
        "description": f"The {name.rsplit('/', 1)[-1]} server.",
        "version": version,
        "packages": [
            {
                "registryType": "pypi",
                "identifier": name.rsplit("/", 1)[-1],
                "version": version,
                "transport": {"type": "stdio"},
            }
        ],
    }
    return edited(document, fields)


def edited(document: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    """``document`` with ``fields`` set; a field given as ``None`` removes its key."""
    for key, value in fields.items():
        if value is None:
            document.pop(key, None)
        else:
            document[key] = value
    return document


def race_same_version(registry: SqlRegistry, threads: int = 50) -> tuple[int, list[RegistryHTTPError]]:
    """``threads`` threads publish one name+version at the same moment; returns (successes, errors)."""
    barrier = threading.Barrier(threads, timeout=30)
    successes: list[int] = []
    errors: list[RegistryHTTPError] = []
    unexpected: list[BaseException] = []

    def publish(index: int) -> None:
        barrier.wait()
        try:
            registry.publish(server_json(description=f"attempt {index}"))
            successes.append(index)
        except RegistryHTTPError as error:
            errors.append(error)
        except BaseException as error:  # reported by the assertion below, not lost in the thread
            unexpected.append(error)

    workers = [threading.Thread(target=publish, args=(index,)) for index in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
        assert not worker.is_alive(), "a publishing thread hung"
    assert unexpected == []
    return len(successes), errors


def run_python_concurrently(script: str, argument_lists: list[list[str]], cwd: Path, timeout: float = 120) -> list[str]:
    """Start one ``python -c script *arguments`` per list at once; wait for all; return their stdouts.

    Fails with every process's stderr when any exits non-zero; no process outlives the call.
    """
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", script, *arguments],
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for arguments in argument_lists
    ]
    results: list[tuple[int, str, str]] = []
    try:
        for process in processes:
            stdout, stderr = process.communicate(timeout=timeout)
            results.append((process.returncode, stdout, stderr))
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.communicate(timeout=10)
    assert all(code == 0 for code, _, _ in results), "\n".join(stderr for _, _, stderr in results)
    return [stdout for _, stdout, _ in results]


def migrated_template(server: PostgresServer) -> str:
    """The name of a database at the latest schema to copy from (created once per cluster)."""
    with _templates_lock:
        if (server.host, server.port) not in _templates_ready:
            SqlRegistry.open(server.create_database(_TEMPLATE)).close()
            _templates_ready.add((server.host, server.port))
    return _TEMPLATE


@contextmanager
def fresh_database(server: PostgresServer, *, migrated: bool = False) -> Iterator[str]:
    """A new database (empty, or at the latest schema) for one test; dropped afterwards."""
    name = f"t_{uuid.uuid4().hex[:16]}"
    template = migrated_template(server) if migrated else None
    yield server.create_database(name, template=template)
    server.drop_database(name)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    with running_postgres() as server:
        yield server


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    with fresh_database(postgres_server) as url:
        yield url


@pytest.fixture
def migrated_postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    with fresh_database(postgres_server, migrated=True) as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'registry.db'}"
