"""Every write changes the rows it is about and no others: other server names that share version strings, and
the name's other versions, keep their documents, flags and timestamps to the microsecond."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mcpship.registry.problems import RegistryHTTPError
from mcpship.registry.records import OfficialMeta, ServerRecord
from mcpship.registry.service import SqlRegistry
from tests.registry_support.fixtures import server_json

A = "io.github.acme/a"
B = "io.github.acme/b"


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[SqlRegistry]:
    with SqlRegistry.open(f"sqlite:///{tmp_path / 'registry.db'}") as opened:
        yield opened


def rows(registry: SqlRegistry, name: str) -> dict[str, ServerRecord]:
    return {record.version: record for record in registry.list_versions(name, include_deleted=True)}


def latest(registry: SqlRegistry, name: str) -> list[str]:
    return [version for version, record in rows(registry, name).items() if record.official.is_latest]


def test_writes_to_one_name_leave_a_name_with_the_same_versions_alone(registry: SqlRegistry) -> None:
    for version in ["0.5.0", "1.0.0", "2.0.0"]:
        registry.publish(server_json(name=B, version=version))
    registry.set_status(B, "0.5.0", "deprecated", "old")
    neighbour = rows(registry, B)
    assert latest(registry, B) == ["2.0.0"]

    registry.publish(server_json(name=A, version="1.0.0"))
    registry.publish(server_json(name=A, version="2.0.0"))  # demotes A's 1.0.0 only
    assert rows(registry, B) == neighbour
    registry.set_status(A, "2.0.0", "deleted", None)  # A's latest moves back to 1.0.0
    assert latest(registry, A) == ["1.0.0"]
    assert rows(registry, B) == neighbour
    registry.set_status(A, "1.0.0", "deprecated", "moving")
    registry.edit(A, "1.0.0", server_json(name=A, version="1.0.0", description="Edited."))
    assert rows(registry, B) == neighbour
    newer = replace(rows(registry, A)["1.0.0"].official, updated_at=datetime.now(UTC), is_latest=True)
    assert registry.import_record(server_json(name=A, version="1.0.0", description="Imported."), newer)
    assert registry.import_record(server_json(name=A, version="3.0.0"), newer)  # takes A's flag, not B's
    assert latest(registry, A) == ["3.0.0"]
    assert rows(registry, B) == neighbour


def test_a_version_only_another_name_has_is_not_found(registry: SqlRegistry) -> None:
    registry.publish(server_json(name=B, version="0.5.0"))
    registry.publish(server_json(name=A, version="1.0.0"))
    with pytest.raises(RegistryHTTPError) as caught:
        registry.edit(A, "0.5.0", server_json(name=A, version="0.5.0"))
    assert (caught.value.status, caught.value.detail) == (404, "Server not found")
    with pytest.raises(RegistryHTTPError) as caught:
        registry.set_status(A, "0.5.0", "deprecated", None)
    assert (caught.value.status, caught.value.detail) == (404, "Server version not found")


def test_a_mirror_imports_a_version_whose_string_another_name_holds_with_a_newer_date(registry: SqlRegistry) -> None:
    registry.publish(server_json(name=B, version="1.0.0"))
    moment = datetime(2020, 1, 2, tzinfo=UTC)
    official = OfficialMeta("active", moment, moment, moment, is_latest=True)
    assert registry.import_record(server_json(name=A, version="1.0.0"), official)
    assert rows(registry, A)["1.0.0"] == ServerRecord(server_json(name=A, version="1.0.0"), official)


def test_writes_to_one_version_leave_the_names_other_versions_alone(registry: SqlRegistry) -> None:
    for version in ["1.0.0", "2.0.0"]:
        registry.publish(server_json(name=A, version=version))
    first = rows(registry, A)["1.0.0"]
    registry.publish(server_json(name=A, version="3.0.0"))  # demotes 2.0.0; 1.0.0 was not latest
    assert rows(registry, A)["1.0.0"] == first
    registry.set_status(A, "3.0.0", "deleted", None)  # 2.0.0 takes the flag back
    assert rows(registry, A)["1.0.0"] == first
    second = rows(registry, A)["2.0.0"]
    registry.edit(A, "1.0.0", server_json(name=A, version="1.0.0", description="Edited."))
    assert rows(registry, A)["2.0.0"] == second
    edited = rows(registry, A)["1.0.0"]
    newer = replace(edited.official, updated_at=datetime.now(UTC))
    assert registry.import_record(server_json(name=A, version="1.0.0", description="Imported."), newer)
    assert rows(registry, A)["2.0.0"] == second
    registry.set_status(A, "1.0.0", "deprecated", "old")
    assert rows(registry, A)["2.0.0"] == second


def test_a_version_losing_the_flag_to_a_restored_one_gets_a_new_updated_at(registry: SqlRegistry) -> None:
    for version in ["1.0.0", "2.0.0"]:
        registry.publish(server_json(name=A, version=version))
    registry.set_status(A, "2.0.0", "deleted", None)
    [restored] = registry.set_status(A, "2.0.0", "active", None)
    loser = rows(registry, A)["1.0.0"].official
    assert not loser.is_latest
    assert loser.updated_at == restored.official.updated_at
