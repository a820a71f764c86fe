"""The change log behind per-name (and per-version) cache invalidation: ``SqlRegistry.changes_since``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import text

from mcpship._exceptions import McpshipError
from mcpship.registry.problems import RegistryHTTPError
from mcpship.registry.records import Changes
from mcpship.registry.service import CHANGE_LOG_KEEP, MAX_NAMED_CHANGES, SqlRegistry
from mcpship.registry.store import create_registry_engine, upgrade_to_head
from mcpship.registry.store.engine import write_transaction
from tests.registry_support.fixtures import server_json


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[SqlRegistry]:
    with SqlRegistry.open(f"sqlite:///{tmp_path / 'registry.db'}") as store:
        yield store


def test_changes_since_names_every_server_written_after_the_counter(registry: SqlRegistry) -> None:
    start = registry.change_counter()
    registry.publish(server_json(name="io.github.acme/a", version="1.0.0"))
    middle = registry.change_counter()
    registry.publish(server_json(name="io.github.acme/b", version="1.0.0"))
    registry.set_status("io.github.acme/a", "1.0.0", "deprecated", "old")
    names = frozenset({"io.github.acme/a", "io.github.acme/b"})
    assert registry.changes_since(start).names == names
    assert registry.changes_since(middle) == Changes(
        start + 3, names, {"io.github.acme/a": frozenset({"1.0.0"}), "io.github.acme/b": frozenset({"1.0.0"})}
    )
    assert registry.changes_since(start + 3) == Changes(start + 3, frozenset(), reranked=False)


A = "io.github.acme/a"


def _touched(registry: SqlRegistry, write: Callable[[], object]) -> set[str] | None:
    """The versions of ``A`` one write logs as changed (``None``: any)."""
    counter = registry.change_counter()
    write()
    changes = registry.changes_since(counter)
    assert changes.names == frozenset({A})
    versions = changes.versions[A]
    return None if versions is None else set(versions)


def test_each_write_logs_the_versions_whose_own_rows_it_changed(registry: SqlRegistry) -> None:
    assert _touched(registry, lambda: registry.publish(server_json(name=A, version="1.0.0"))) == {"1.0.0"}
    # A new latest version takes isLatest from the old one, whose own responses change too.
    assert _touched(registry, lambda: registry.publish(server_json(name=A, version="1.2.0"))) == {"1.2.0", "1.0.0"}
    # An older version that does not become latest changes nothing else.
    assert _touched(registry, lambda: registry.publish(server_json(name=A, version="1.1.0"))) == {"1.1.0"}
    edit = server_json(name=A, version="1.1.0", description="Edited")
    assert _touched(registry, lambda: registry.edit(A, "1.1.0", edit)) == {"1.1.0"}
    assert _touched(registry, lambda: registry.set_status(A, "1.1.0", "deprecated", None)) == {"1.1.0"}
    # Deleting the latest moves isLatest to the next one down.
    assert _touched(registry, lambda: registry.set_status(A, "1.2.0", "deleted", None)) == {"1.2.0", "1.1.0"}
    assert _touched(registry, lambda: registry.set_status(A, None, "active", None)) is None  # every version


def test_a_mirrored_latest_version_logs_the_version_it_took_the_flag_from(registry: SqlRegistry) -> None:
    registry.publish(server_json(name=A, version="1.0.0"))
    official = registry.get_version(A, "1.0.0")
    assert official is not None
    newer = replace(official.official, is_latest=True, updated_at=official.official.updated_at + timedelta(days=1))
    assert _touched(registry, lambda: registry.import_record(server_json(name=A, version="2.0.0"), newer)) == {
        "2.0.0",
        "1.0.0",
    }


def test_log_rows_without_versions_mean_any_version_of_that_name(registry: SqlRegistry) -> None:
    registry.publish(server_json(name=A, version="1.0.0"))
    counter = registry.change_counter()
    registry.publish(server_json(name=A, version="0.9.0"))
    with write_transaction(registry.engine) as connection:  # a replica still running the code before the column
        connection.execute(text(f"UPDATE registry_state SET change_counter = {counter + 2}"))
        connection.execute(text(f"INSERT INTO registry_changes (counter, name) VALUES ({counter + 2}, '{A}')"))
    changes = registry.changes_since(counter)
    assert changes.versions == {A: None}
    assert changes.touches(A, "1.0.0")
    assert changes.touches(A, None)
    assert not changes.touches("io.github.acme/b", None)
    assert registry.changes_since(counter + 1).versions == {A: None}
    assert registry.changes_since(counter).touches(A, "5.0.0")


def test_a_refused_write_logs_nothing(registry: SqlRegistry) -> None:
    registry.publish(server_json(name="io.github.acme/a", version="1.0.0"))
    counter = registry.change_counter()
    with pytest.raises(RegistryHTTPError):  # a duplicate version
        registry.publish(server_json(name="io.github.acme/a", version="1.0.0"))
    assert registry.changes_since(counter) == Changes(counter, frozenset(), reranked=False)


def test_changes_past_what_the_log_can_name_mean_everything(registry: SqlRegistry) -> None:
    registry.publish(server_json(name="io.github.acme/a", version="1.0.0"))
    with write_transaction(registry.engine) as connection:  # a restored backup, a manual fix: no log rows
        connection.execute(text("UPDATE registry_state SET change_counter = change_counter + 1"))
    assert registry.changes_since(0) == Changes(2, None)
    with write_transaction(registry.engine) as connection:
        connection.execute(text(f"UPDATE registry_state SET change_counter = {MAX_NAMED_CHANGES + 10}"))
    assert registry.changes_since(2) == Changes(MAX_NAMED_CHANGES + 10, None)  # too many to name
    backwards = registry.changes_since(MAX_NAMED_CHANGES + 20)  # the counter went backwards
    assert backwards == Changes(MAX_NAMED_CHANGES + 10, None)


def test_the_log_is_pruned_to_its_recent_rows(registry: SqlRegistry) -> None:
    with write_transaction(registry.engine) as connection:
        connection.execute(text(f"UPDATE registry_state SET change_counter = {CHANGE_LOG_KEEP + 98}"))
        old_rows = "INSERT INTO registry_changes (counter, name) VALUES (99, 'x'), (100, 'y'), (101, 'z')"
        connection.execute(text(old_rows))
    registry.publish(server_json(name="io.github.acme/a", version="1.0.0"))
    registry.publish(server_json(name="io.github.acme/a", version="1.0.1"))  # counter KEEP + 100: prunes
    with registry.engine.connect() as connection:
        counters = connection.execute(text("SELECT counter FROM registry_changes ORDER BY counter")).scalars().all()
    assert counters == [101, CHANGE_LOG_KEEP + 99, CHANGE_LOG_KEEP + 100]  # the last CHANGE_LOG_KEEP changes
    with write_transaction(registry.engine) as connection:
        connection.execute(text("INSERT INTO registry_changes (counter, name) VALUES (5, 'x'), (100, 'y')"))
    registry.publish(server_json(name="io.github.acme/a", version="1.0.2"))
    with registry.engine.connect() as connection:
        kept = connection.execute(text("SELECT counter FROM registry_changes ORDER BY counter")).scalars().all()
    assert kept[:2] == [5, 100]  # pruning runs every 100th write only


def test_a_database_made_before_the_change_log_upgrades_and_drops_caches_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = create_registry_engine(url)
    config = Config()
    config.set_main_option("script_location", "mcpship.registry.store:migrations")
    with write_transaction(engine) as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
        connection.execute(text("UPDATE registry_state SET change_counter = 7"))
    engine.dispose()
    with SqlRegistry.open(url) as registry:
        assert registry.changes_since(3).names is None  # no log rows for 4..7
        registry.publish(server_json(name="io.github.acme/a", version="1.0.0"))
        assert registry.changes_since(7) == Changes(8, frozenset({A}), {A: frozenset({"1.0.0"})})
        upgrade_to_head(registry.engine)


def _reranked(registry: SqlRegistry, write: Callable[[], object]) -> bool:
    counter = registry.change_counter()
    write()
    changes = registry.changes_since(counter)
    assert changes.counter == counter + 1
    return changes.reranked


def test_the_log_says_whether_a_write_moved_search_rankings(registry: SqlRegistry) -> None:
    assert _reranked(registry, lambda: registry.publish(server_json(name=A, version="2.0.0")))
    # Versions that are not the latest are not indexed: writing them moves no search.
    assert not _reranked(registry, lambda: registry.publish(server_json(name=A, version="1.0.0")))
    edit = server_json(name=A, version="1.0.0", description="Edited")
    assert not _reranked(registry, lambda: registry.edit(A, "1.0.0", edit))
    assert not _reranked(registry, lambda: registry.set_status(A, "1.0.0", "deprecated", None))
    latest = registry.get_version(A, "2.0.0")
    assert latest is not None
    older = replace(latest.official, is_latest=False)
    assert not _reranked(registry, lambda: registry.import_record(server_json(name=A, version="0.5.0"), older))
    # The latest version's own words are indexed: changing them reranks.
    assert _reranked(registry, lambda: registry.edit(A, "2.0.0", server_json(name=A, version="2.0.0", title="New")))
    newer = replace(latest.official, updated_at=latest.official.updated_at + timedelta(days=1))
    mirrored = server_json(name=A, version="2.0.0", description="Mirrored words")
    assert _reranked(registry, lambda: registry.import_record(mirrored, newer))
    assert _reranked(registry, lambda: registry.set_status(A, "2.0.0", "deleted", None))


def test_a_log_row_that_does_not_say_whether_it_reranked_counts_as_reranked(registry: SqlRegistry) -> None:
    registry.publish(server_json(name=A, version="1.0.0"))
    counter = registry.change_counter()
    with write_transaction(registry.engine) as connection:  # a replica still running the code before the column
        connection.execute(text(f"UPDATE registry_state SET change_counter = {counter + 1}"))
        connection.execute(text(f"INSERT INTO registry_changes (counter, name) VALUES ({counter + 1}, '{A}')"))
    assert registry.changes_since(counter) == Changes(counter + 1, frozenset({A}), {A: None}, reranked=True)


def _complete_log(registry: SqlRegistry, changes: int) -> None:
    """A change counter at ``changes`` with one log row per change, each naming its own server."""
    with write_transaction(registry.engine) as connection:
        connection.execute(text(f"UPDATE registry_state SET change_counter = {changes}"))
        connection.execute(
            text("INSERT INTO registry_changes (counter, name, versions, reranks) VALUES (:c, :n, '[]', 0)"),
            [{"c": counter, "n": f"io.github.acme/s{counter}"} for counter in range(1, changes + 1)],
        )


def test_up_to_max_named_changes_are_named_one_more_is_everything(registry: SqlRegistry) -> None:
    _complete_log(registry, MAX_NAMED_CHANGES + 1)
    named = registry.changes_since(1)
    assert named.counter == MAX_NAMED_CHANGES + 1
    assert named.names == frozenset(f"io.github.acme/s{counter}" for counter in range(2, MAX_NAMED_CHANGES + 2))
    assert not named.reranked
    assert registry.changes_since(0) == Changes(MAX_NAMED_CHANGES + 1, None)


def test_a_small_gap_far_along_the_counter_is_named(registry: SqlRegistry) -> None:
    _complete_log(registry, MAX_NAMED_CHANGES + 5)
    assert registry.changes_since(MAX_NAMED_CHANGES) == Changes(
        MAX_NAMED_CHANGES + 5,
        frozenset(f"io.github.acme/s{counter}" for counter in range(MAX_NAMED_CHANGES + 1, MAX_NAMED_CHANGES + 6)),
        {f"io.github.acme/s{counter}": frozenset() for counter in range(MAX_NAMED_CHANGES + 1, MAX_NAMED_CHANGES + 6)},
        reranked=False,
    )


def test_an_imported_latest_logs_only_the_version_it_took_the_flag_from(registry: SqlRegistry) -> None:
    for version in ["1.0.0", "1.1.0"]:
        registry.publish(server_json(name=A, version=version))
    current = registry.get_version(A, "1.1.0")
    assert current is not None
    newer = replace(current.official, updated_at=current.official.updated_at + timedelta(days=1))
    assert _touched(registry, lambda: registry.import_record(server_json(name=A, version="2.0.0"), newer)) == {
        "2.0.0",
        "1.1.0",
    }
    assert [r.version for r in registry.list_versions(A) if r.official.is_latest] == ["2.0.0"]


def test_a_database_without_its_change_counter_row_is_a_clear_error(registry: SqlRegistry) -> None:
    with write_transaction(registry.engine) as connection:
        connection.execute(text("DELETE FROM registry_state"))
    for read in (registry.change_counter, lambda: registry.changes_since(0)):
        with pytest.raises(McpshipError) as caught:
            read()
        assert str(caught.value) == "the registry database has no change counter row: was it migrated?"
