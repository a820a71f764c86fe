"""SQL storage of the registry (SQLAlchemy 2 Core + Alembic), for SQLite files and PostgreSQL.

Only this package knows SQL; :class:`mcpship.registry.service.SqlRegistry` holds the business rules.

- ``engine``      engines, ``BEGIN IMMEDIATE`` writes on SQLite, locked migrations to head
- ``schema``      the Core tables; ``migrations/`` creates them (Alembic, no alembic.ini needed)
- ``documents``   what is derived from a server.json (filter columns, remote URLs, search text)
- ``search``      FTS5 (SQLite) and tsvector (PostgreSQL) ranked search
- ``versioning``  upstream's "which version is latest" order (Go semver semantics)
"""

from __future__ import annotations

from mcpship.registry.store.engine import create_registry_engine, read_connection, upgrade_to_head, write_transaction
from mcpship.registry.store.versioning import is_semantic_version, precedence_key

__all__ = [
    "create_registry_engine",
    "is_semantic_version",
    "precedence_key",
    "read_connection",
    "upgrade_to_head",
    "write_transaction",
]
