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
    assert registry.changes_since(0).names is None
    with write_transaction(registry.engine) as connection:
        connection.execute(text(f"UPDATE registry_state SET change_counter = {MAX_NAMED_CHANGES + 10}"))
    assert registry.changes_since(2).names is None  # too many to name
    assert registry.changes_since(MAX_NAMED_CHANGES + 20).names is None  # the counter went backwards


def test_the_log_is_pruned_to_its_recent_rows(registry: SqlRegistry) -> None:
    with write_transaction(registry.engine) as connection:
        connection.execute(text(f"UPDATE registry_state SET change_counter = {CHANGE_LOG_KEEP + 98}"))
    registry.publish(server_json(name="io.github.acme/a", version="1.0.0"))
    registry.publish(server_json(name="io.github.acme/a", version="1.0.1"))  # counter KEEP + 100: prunes
    with registry.engine.connect() as connection:
        counters = connection.execute(text("SELECT counter FROM registry_changes ORDER BY counter")).scalars().all()
    assert counters == [CHANGE_LOG_KEEP + 99, CHANGE_LOG_KEEP + 100]
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
