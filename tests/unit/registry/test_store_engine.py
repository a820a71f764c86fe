"""The SQLite engine settings, packaged migrations and the default database location."""

from __future__ import annotations

import socket
from pathlib import Path

import platformdirs
import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from mcpship._exceptions import McpshipError, UsageError
from mcpship.registry.service import SqlRegistry, default_database_url
from mcpship.registry.store import create_registry_engine, upgrade_to_head
from mcpship.registry.store.search import search_backend
from tests.registry_support.fixtures import server_json

SUPPORTED_FORMS = "use sqlite:///path/to/registry.db or postgresql+psycopg://user:password@host:5432/dbname"


def test_migrating_twice_is_a_no_op_and_keeps_the_data(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'nested' / 'dir' / 'registry.db'}"
    with SqlRegistry.open(url) as registry:
        registry.publish(server_json())
    with SqlRegistry.open(url) as registry:
        assert registry.get_version("io.github.acme/notes", "1.0.0") is not None
        upgrade_to_head(registry.engine)
        with registry.engine.connect() as connection:
            versions = connection.execute(text("SELECT version_num FROM mcpship_registry_version")).scalars()
            assert versions.all() == ["0004"]
        assert registry.change_counter() == 1


def test_the_schema_has_the_upstream_shape(tmp_path: Path) -> None:
    with SqlRegistry.open(f"sqlite:///{tmp_path / 'registry.db'}") as registry:
        inspector = inspect(registry.engine)
        assert inspector.get_pk_constraint("servers")["constrained_columns"] == ["name", "version"]
        assert {"search_fts", "search_documents", "server_remotes", "registry_state"} <= set(
            inspector.get_table_names()
        )
        [latest_index] = [i for i in inspector.get_indexes("servers") if i["name"] == "uq_servers_one_latest_per_name"]
        assert latest_index["unique"]


def test_the_database_refuses_two_latest_rows_and_unknown_statuses(tmp_path: Path) -> None:
    with SqlRegistry.open(f"sqlite:///{tmp_path / 'registry.db'}") as registry:
        registry.publish(server_json(version="1.0.0"))
        registry.publish(server_json(version="0.1.0"))
        for statement in [
            "UPDATE servers SET is_latest = 1",
            "UPDATE servers SET status = 'gone'",
            "UPDATE servers SET status_message = printf('%.501c', 'x')",
        ]:
            with pytest.raises(IntegrityError), registry.engine.begin() as connection:
                connection.execute(text(statement))


def test_sqlite_connections_use_wal_a_busy_timeout_and_foreign_keys(tmp_path: Path) -> None:
    engine = create_registry_engine(f"sqlite:///{tmp_path / 'registry.db'}")
    try:
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(text("PRAGMA busy_timeout")).scalar_one() >= 30_000
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    finally:
        engine.dispose()


def test_opening_without_migrating_leaves_an_empty_database_alone(tmp_path: Path) -> None:
    with SqlRegistry.open(f"sqlite:///{tmp_path / 'registry.db'}", migrate=False) as registry:
        assert inspect(registry.engine).get_table_names() == []


def test_unsupported_database_urls_are_refused_with_the_supported_forms() -> None:
    with pytest.raises(ValueError, match=r"use sqlite:///path or postgresql\+psycopg://"):
        create_registry_engine("mysql://localhost/registry")


def test_the_default_database_is_a_sqlite_file_in_the_user_data_dir() -> None:
    expected = Path(platformdirs.user_data_dir("mcpship")) / "registry.db"
    assert default_database_url() == f"sqlite:///{expected}"


def test_an_in_memory_database_keeps_its_data_across_calls() -> None:
    with SqlRegistry.open("sqlite://") as registry:
        registry.publish(server_json())
        assert [hit.record.name for hit in registry.search("notes").hits] == ["io.github.acme/notes"]
        assert registry.get_version("io.github.acme/notes", "latest") is not None


@pytest.mark.parametrize("url", ["mysql://localhost/registry", "not a url"])
def test_opening_an_unsupported_url_is_a_usage_error_with_the_supported_forms(url: str) -> None:
    with pytest.raises(UsageError) as caught:
        SqlRegistry.open(url)
    assert caught.value.message.startswith(f"{url!r} is not a registry database URL: ")
    assert caught.value.hint == SUPPORTED_FORMS


def test_an_unreachable_database_is_a_clear_error_that_hides_the_password() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    with pytest.raises(McpshipError) as caught:
        SqlRegistry.open(f"postgresql+psycopg://user:s3cret@127.0.0.1:{closed_port}/registry")
    assert caught.value.message.startswith(
        f"cannot open the registry database postgresql+psycopg://user:***@127.0.0.1:{closed_port}/registry"
    )
    assert "s3cret" not in caught.value.message
    assert caught.value.hint == (
        "check that the database server runs and that the URL, user, password and database are right"
    )


def test_a_registry_allows_10_000_versions_a_name_and_shared_remote_urls_by_default(tmp_path: Path) -> None:
    with SqlRegistry.open(f"sqlite:///{tmp_path / 'registry.db'}") as opened:
        assert (opened.max_versions_per_name, opened.unique_remote_urls) == (10_000, False)
        made = SqlRegistry(opened.engine)
        assert (made.max_versions_per_name, made.unique_remote_urls) == (10_000, False)


def test_a_registry_on_postgresql_searches_and_reads_the_postgresql_way() -> None:
    engine = create_registry_engine("postgresql+psycopg://user:secret@127.0.0.1:1/registry")  # never connected
    registry = SqlRegistry(engine)
    try:
        assert type(registry._search) is type(search_backend("postgresql"))
        assert type(registry._search) is not type(search_backend("sqlite"))
        assert not registry.quick_point_reads
    finally:
        registry.close()
