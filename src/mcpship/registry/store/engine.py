"""Engines and transactions for both backends, and migrations that are safe when replicas start together.

SQLite: WAL, a busy timeout and foreign keys on every connection; the driver's own transaction handling is
switched off so that we emit ``BEGIN`` ourselves, ``BEGIN IMMEDIATE`` for writes. An immediate transaction
takes the database's write lock up front, so concurrent writers, from threads or from other processes,
queue in the busy handler instead of failing half-way with ``database is locked``.

PostgreSQL: READ COMMITTED; writers serialise per server name with ``pg_advisory_xact_lock`` (see
``service.py``); migrations run under one cluster-wide advisory lock.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import StaticPool

from mcpship._strict_json import dumps
from mcpship.registry.stored_json import loads_stored

__all__ = [
    "MIGRATION_LOCK_KEY",
    "create_registry_engine",
    "read_connection",
    "upgrade_to_head",
    "write_transaction",
]

SQLITE_BUSY_TIMEOUT_MS = 60_000
MIGRATION_LOCK_KEY = 0x6D63_7073_6869_7072  # "mcpshipr": one key for every mcpship registry migration
_BEGIN_MODE = "mcpship_sqlite_begin"
_SCRIPT_LOCATION = "mcpship.registry.store:migrations"


def create_registry_engine(database_url: str) -> Engine:
    """An engine for ``sqlite:///path`` or ``postgresql+psycopg://...`` with the settings the store relies on."""
    url = make_url(database_url)
    backend = url.get_backend_name()
    if backend == "sqlite":
        in_memory = url.database in (None, "", ":memory:")
        if not in_memory and url.database and not url.database.startswith("file:"):
            Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
            # Stored documents are spliced into responses as they are: keep them compact, and JSON (no NaN).
            json_serializer=dumps,
            # Rows written before NaN and Infinity were refused read them as null (stored_json.loads_stored).
            json_deserializer=loads_stored,
            # In memory, every connection would be a new empty database: share one (single-threaded demos only).
            **({"poolclass": StaticPool} if in_memory else {"pool_size": 8, "max_overflow": 24}),
        )
        event.listen(engine, "connect", _configure_sqlite_connection)
        event.listen(engine, "begin", _begin_sqlite_transaction)
        return engine
    if backend == "postgresql":
        return create_engine(url, isolation_level="READ COMMITTED", pool_size=10, max_overflow=30)
    raise ValueError(f"unsupported database URL {database_url!r}: use sqlite:///path or postgresql+psycopg://...")


def _configure_sqlite_connection(dbapi_connection: Any, _record: object) -> None:
    dbapi_connection.isolation_level = None  # autocommit at the driver level: SQLAlchemy's "begin" event issues BEGIN
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        _use_wal(cursor)
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
    finally:
        cursor.close()


def _use_wal(cursor: Any) -> None:
    """Switch the file to WAL once. Switching needs an exclusive lock and SQLite answers "database is locked"
    at once (no busy handler) while another process holds any lock on a fresh file, so retry, bounded."""
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    delay = 0.005
    while True:
        try:
            if cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
                return
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.1)


def _begin_sqlite_transaction(connection: Connection) -> None:
    mode = connection.get_execution_options().get(_BEGIN_MODE, "DEFERRED")
    connection.exec_driver_sql(f"BEGIN {mode}")


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """One write transaction: committed when the block ends, rolled back when it raises."""
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            connection.execution_options(**{_BEGIN_MODE: "IMMEDIATE"})
        with connection.begin():
            yield connection


@contextmanager
def read_connection(engine: Engine) -> Iterator[Connection]:
    """A connection for reads; its implicit transaction is rolled back when the block ends."""
    with engine.connect() as connection:
        yield connection


def upgrade_to_head(engine: Engine) -> None:
    """Run the packaged Alembic migrations to head, in one transaction, holding a lock other starters wait on.

    PostgreSQL: ``pg_advisory_xact_lock`` on a fixed key (released at commit). SQLite: the transaction is
    ``BEGIN IMMEDIATE`` and DDL is transactional there, so a second process waits and then finds head.
    """
    config = Config()
    config.set_main_option("script_location", _SCRIPT_LOCATION)
    with write_transaction(engine) as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
