"""Concurrent writers on one SQLite file serialise: from threads and from separate processes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from mcpship.registry.records import ListQuery
from mcpship.registry.service import SqlRegistry
from tests.registry_support.fixtures import race_same_version, run_python_concurrently

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
