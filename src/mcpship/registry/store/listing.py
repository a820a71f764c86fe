"""The SQL of ``GET /servers`` pages, written out per dialect for :mod:`~mcpship.registry.store.direct` reads.

A page is one ``SELECT`` in (name, version) order after the cursor. Its conditions are few and fixed, so they
are plain SQL text with bound parameters: building the statement with SQLAlchemy and processing its rows cost
more than the query itself (about 0.5 ms of a 0.6 ms page).
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

from mcpship.registry.records import ListQuery
from mcpship.registry.store.search import like_contains

__all__ = ["list_page_sql", "substring_page_sql"]

_SQLITE_TIMESTAMP = "%Y-%m-%d %H:%M:%S.%f"
"""How SQLAlchemy stores a DateTime on SQLite (naive UTC, fixed width, so text order is time order)."""


def list_page_sql(dialect: str, columns: str, query: ListQuery) -> tuple[str, tuple[Any, ...]]:
    """The page's ``SELECT {columns}`` and its parameters."""
    where, parameters = _conditions(dialect, query)
    mark = _mark(dialect)
    return (
        f"SELECT {columns} FROM servers{where} ORDER BY name, version LIMIT {mark}",
        (*parameters, query.limit),
    )


def substring_page_sql(dialect: str, columns: str, query: ListQuery, probe: int) -> tuple[str, tuple[Any, ...]]:
    """PostgreSQL's page for ``search=``: up to ``probe`` matching keys through the trigram index, then the first
    ``limit`` of them by (name, version); the last column, ``probed``, says how many keys were found.

    Left to itself the planner walks the primary key in order and fetches every row to test its name, as if
    matches were spread evenly: 15-40 ms at 30,000 versions when only late names contain the substring.
    The keys are fenced in a MATERIALIZED CTE so that the trigram index finds them instead (about 1 ms).
    """
    where, parameters = _conditions(dialect, query)
    mark = _mark(dialect)
    qualified = ", ".join(f"servers.{column.strip()}" for column in columns.split(","))
    sql = (
        f"WITH found AS MATERIALIZED (SELECT name, version FROM servers{where} LIMIT {mark}) "
        f"SELECT {qualified}, (SELECT count(*) FROM found) AS probed FROM servers "
        f"JOIN (SELECT name, version FROM found ORDER BY name, version LIMIT {mark}) AS page "
        "ON servers.name = page.name AND servers.version = page.version "
        "ORDER BY servers.name, servers.version"
    )
    return sql, (*parameters, probe, query.limit)


def _conditions(dialect: str, query: ListQuery) -> tuple[str, list[Any]]:
    mark = _mark(dialect)
    conditions: list[str] = []
    parameters: list[Any] = []
    if query.cursor:
        name, colon, version = query.cursor.partition(":")
        if colon:
            conditions.append(f"(name, version) > ({mark}, {mark})")
            parameters += [name, version]
        else:
            conditions.append(f"name > {mark}")
            parameters.append(name)
    if query.search:
        # SQLite's LIKE already ignores ASCII case (names are ASCII), and lower() would cost a third more;
        # on PostgreSQL, lower(name) LIKE is what the trigram index on lower(servers.name) serves.
        if dialect == "sqlite":
            conditions.append(f"name LIKE {mark} ESCAPE '/'")
        else:
            conditions.append(f"lower(name) LIKE {mark} ESCAPE '/'")
        parameters.append(like_contains(query.search.lower()))
    if query.updated_since is not None:
        conditions.append(f"updated_at > {mark}")
        since = query.updated_since.astimezone(UTC)
        parameters.append(since.replace(tzinfo=None).strftime(_SQLITE_TIMESTAMP) if dialect == "sqlite" else since)
    if query.version == "latest":
        conditions.append("is_latest = 1" if dialect == "sqlite" else "is_latest")
    elif query.version is not None:
        conditions.append(f"version = {mark}")
        parameters.append(query.version)
    if not (query.include_deleted or query.updated_since is not None):
        conditions.append("status != 'deleted'")
    # The filter columns are space-padded, space-separated words.
    for column, word in (("package_types", query.registry_type), ("transport_types", query.transport)):
        if word:
            conditions.append(f"{column} LIKE {mark} ESCAPE '/'")
            parameters.append(like_contains(f" {word} "))
    return (" WHERE " + " AND ".join(conditions) if conditions else ""), parameters


def _mark(dialect: str) -> str:
    return "?" if dialect == "sqlite" else "%s"
