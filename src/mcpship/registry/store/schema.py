"""The registry's tables as SQLAlchemy Core objects (the migrations in ``migrations/versions`` create them).

``servers`` mirrors upstream's table (registry.md §4.3) with ``name`` for ``server_name`` and two small
denormalised columns for mcpship's filters. The search structures (``search_documents``, plus an FTS5 table
on SQLite or a ``search_vector`` column on PostgreSQL) are dialect-specific and handled in ``search.py``.
"""

from __future__ import annotations

from typing import Any, TypeAlias

from sqlalchemy import BigInteger, Boolean, Column, Integer, MetaData, Row, String, Table, Text

from mcpship.registry.store._types import JSON_VALUE, UTCDateTime

__all__ = ["RECORD_COLUMNS", "AnyRow", "metadata", "registry_changes", "registry_state", "server_remotes", "servers"]

AnyRow: TypeAlias = Row[*tuple[Any, ...]]
"""A result row of any width (``Row`` is generic over its column types)."""

metadata = MetaData()

servers = Table(
    "servers",
    metadata,
    Column("name", String(255), primary_key=True),
    Column("version", String(255), primary_key=True),
    Column("status", String(16), nullable=False),
    Column("status_message", Text),
    Column("published_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("status_changed_at", UTCDateTime, nullable=False),
    Column("is_latest", Boolean, nullable=False),
    # Space-padded, space-separated package ``registryType`` values (plus ``remote`` when there are remotes).
    Column("package_types", Text, nullable=False),
    # Space-padded, space-separated package transport and remote ``type`` values.
    Column("transport_types", Text, nullable=False),
    # The server.json as published (publisher ``_meta`` only; the registry's own meta lives in the columns).
    Column("value", JSON_VALUE, nullable=False),
)

server_remotes = Table(
    "server_remotes",
    metadata,
    Column("name", String(255), primary_key=True),
    Column("version", String(255), primary_key=True),
    Column("url", Text, primary_key=True),
)
"""One row per ``remotes[].url`` of a version, so the duplicate-remote-URL check is an index lookup."""

registry_state = Table(
    "registry_state",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("change_counter", BigInteger, nullable=False),
)

registry_changes = Table(
    "registry_changes",
    metadata,
    Column("counter", BigInteger, primary_key=True),
    Column("name", String(255), nullable=False),
    Column("versions", Text, nullable=True),
    Column("reranks", Boolean, nullable=True),
)
"""Which server name each change-counter value belongs to (the recent ones only), which of its versions' own rows
changed (a JSON array; ``NULL``: any of them, or written before the column existed) and whether its search
document changed (``NULL``: unknown, so yes): replicas' read caches drop just those responses instead of
everything, and reuse search rankings no write has moved (``SqlRegistry.changes_since``)."""

RECORD_COLUMNS = (
    servers.c.name,
    servers.c.version,
    servers.c.status,
    servers.c.status_message,
    servers.c.published_at,
    servers.c.updated_at,
    servers.c.status_changed_at,
    servers.c.is_latest,
    servers.c.value,
)
"""What a :class:`~mcpship.registry.records.ServerRecord` is built from (the filter columns are not needed)."""
