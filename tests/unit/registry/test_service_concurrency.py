"""Concurrent writers on one SQLite file serialise: from threads and from separate processes."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy.dialects import postgresql

from mcpship.registry.records import ListQuery
from mcpship.registry.service import SqlRegistry, _lock_key
from tests.registry_support.fixtures import race_same_version, run_python_concurrently, server_json

ROOT = Path(__file__).resolve().parents[3]

WRITER = """
import json, sys
from mcpship.registry.problems import RegistryHTTPError
from mcpship.registry.service import SqlRegistry
from tests.registry_support.fixtures import server_json

url, worker = sys.argv[1], sys.argv[2]
registry = SqlRegistry.open(url)  # both processes migrate the same fresh file at once
won = []
for index in range(25):
    for name in ("io.github.acme/shared", f"io.github.acme/{worker}"):
        try:
            registry.publish(server_json(name=name, version=f"1.0.{index}"))
            won.append(f"{name}:1.0.{index}")
        except RegistryHTTPError as error:
            duplicate = f"invalid version: cannot publish duplicate version: {name}@1.0.{index} already exists"
            assert error.errors == [{"message": duplicate}], error.errors
registry.close()
print(json.dumps(won))
"""


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[SqlRegistry]:
    with SqlRegistry.open(f"sqlite:///{tmp_path / 'registry.db'}") as opened:
        yield opened


def test_fifty_threads_publishing_one_version_give_one_success(registry: SqlRegistry) -> None:
    successes, errors = race_same_version(registry)
    assert successes == 1
    assert len(errors) == 49
    assert {(e.status, e.errors[0]["message"]) for e in errors} == {
        (400, "invalid version: cannot publish duplicate version: io.github.acme/notes@1.0.0 already exists")
    }
    assert len(registry.list_versions("io.github.acme/notes")) == 1
    assert registry.change_counter() == 1


def test_two_processes_publishing_into_one_fresh_file_serialise(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    stdouts = run_python_concurrently(WRITER, [[url, "one"], [url, "two"]], cwd=ROOT)
    outputs = [json.loads(stdout) for stdout in stdouts]
    won = [entry for output in outputs for entry in output]
    shared = sorted(entry for entry in won if entry.startswith("io.github.acme/shared:"))
    assert shared == sorted(f"io.github.acme/shared:1.0.{index}" for index in range(25))
    with SqlRegistry.open(url) as registry:
        listed = registry.list_servers(ListQuery(limit=100)).servers
        assert len(listed) == 75
        assert registry.change_counter() == 75
        latest = [r.version for r in registry.list_versions("io.github.acme/shared") if r.official.is_latest]
        assert latest == ["1.0.24"]


@pytest.mark.parametrize(
    ("name", "key"),
    [("", 0x4BF29CE484222325), ("a", 0x2F63DC4C8601EC8C), ("foobar", 0x05944171F73967E8)],
)
def test_the_lock_key_is_fnv_1a_64_of_the_name_folded_into_a_signed_bigint(name: str, key: int) -> None:
    assert _lock_key(name) == key  # the published FNV-1a 64 vectors with the top bit cleared


class _RecordingConnection:
    """Just enough of a SQLAlchemy connection to see what a writer sends: each statement rendered by the
    PostgreSQL dialect with its parameters bound (an unknown or missing parameter fails as it would there)."""

    def __init__(self, dialect: str) -> None:
        self.dialect = SimpleNamespace(name=dialect)
        self.sent: list[str] = []

    def execute(self, statement: Any, parameters: Mapping[str, Any]) -> None:
        bound = statement.bindparams(**parameters)
        dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
        self.sent.append(str(bound.compile(dialect=dialect, compile_kwargs={"literal_binds": True})))


def test_on_postgresql_a_writer_takes_the_transaction_advisory_lock_of_its_name(registry: SqlRegistry) -> None:
    connection = _RecordingConnection("postgresql")
    registry._lock_name(connection, "io.github.acme/notes")  # type: ignore[arg-type]
    assert [sql.lower() for sql in connection.sent] == [
        f"select pg_advisory_xact_lock({_lock_key('io.github.acme/notes')})"
    ]


def test_on_sqlite_a_writer_takes_no_lock_of_its_own(registry: SqlRegistry) -> None:
    connection = _RecordingConnection("sqlite")
    registry._lock_name(connection, "io.github.acme/notes")  # type: ignore[arg-type]
    assert connection.sent == []


def test_every_write_serialises_on_the_name_it_writes(registry: SqlRegistry, monkeypatch: pytest.MonkeyPatch) -> None:
    locked: list[str] = []
    take_lock = SqlRegistry._lock_name

    def recording(self: SqlRegistry, connection: Any, name: str) -> None:
        locked.append(name)
        take_lock(self, connection, name)

    monkeypatch.setattr(SqlRegistry, "_lock_name", recording)
    name = "io.github.acme/notes"
    record = registry.publish(server_json(name=name))
    registry.edit(name, "1.0.0", server_json(name=name, description="Edited."))
    registry.set_status(name, "1.0.0", "deprecated", "old")
    registry.import_record(server_json(name=name, version="2.0.0"), record.official)
    assert locked == [name] * 4
