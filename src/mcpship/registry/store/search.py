"""Ranked full-text search over name, title, description and tool names, one implementation per backend.

Both index one document per name, its latest non-deleted version, in ``search_documents`` (kept in step in
the same transaction as every write). SQLite: an FTS5 table keyed by the document id, ranked by ``bm25``
with the name weighted highest. PostgreSQL: a weighted ``search_vector`` column (A name, B title and tools,
C description) behind a GIN index, ranked by ``ts_rank``. Both also match word prefixes (``note``
finds ``notes``) and plain substrings of the name, which get a fixed bonus so name hits come first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Connection, Float, Integer, column, select, text

from mcpship.registry.store.documents import SearchText, search_terms
from mcpship.registry.store.schema import RECORD_COLUMNS, AnyRow, servers

__all__ = ["SearchBackend", "SearchFilters", "like_contains", "search_backend"]

NAME_SUBSTRING_BONUS = 1.0
_COLUMNS = ", ".join(f"s.{col.name}" for col in RECORD_COLUMNS)


def like_contains(value: str) -> str:
    """A ``LIKE ... ESCAPE '/'`` pattern matching ``value`` anywhere, its wildcards taken literally."""
    escaped = value.replace("/", "//").replace("%", "/%").replace("_", "/_")
    return f"%{escaped}%"


@dataclass(frozen=True)
class SearchFilters:
    registry_type: str | None = None
    transport: str | None = None

    def sql(self, params: dict[str, Any], alias: str) -> str:
        """`` AND ...`` conditions on ``alias``'s ``package_types``/``transport_types`` (empty without filters)."""
        clauses = []
        if self.registry_type:
            params["registry_type"] = like_contains(f" {self.registry_type} ")
            clauses.append(f"{alias}.package_types LIKE :registry_type ESCAPE '/'")
        if self.transport:
            params["transport"] = like_contains(f" {self.transport} ")
            clauses.append(f"{alias}.transport_types LIKE :transport ESCAPE '/'")
        return "".join(f" AND {clause}" for clause in clauses)


class SearchBackend(Protocol):
    def refresh_name(self, connection: Connection, name: str) -> None:
        """Re-index ``name`` from its latest non-deleted version (or drop it): call after any write that changed
        that version's document, which version is latest, or a status."""

    def query(
        self, connection: Connection, text_query: str, *, limit: int, offset: int, filters: SearchFilters
    ) -> Sequence[AnyRow]:
        """Rows of RECORD_COLUMNS plus ``rank`` and ``total``, best first."""


def search_backend(dialect: str) -> SearchBackend:
    return _PostgresSearch() if dialect == "postgresql" else _SqliteSearch()


def _finish(statement: str, params: dict[str, Any], connection: Connection) -> Sequence[AnyRow]:
    typed = text(statement).columns(*RECORD_COLUMNS, column("rank", Float), column("total", Integer))
    return connection.execute(typed, params).all()


class _SqliteSearch:
    def refresh_name(self, connection: Connection, name: str) -> None:
        latest = connection.execute(
            select(servers.c.value, servers.c.package_types, servers.c.transport_types).where(
                servers.c.name == name, servers.c.is_latest, servers.c.status != "deleted"
            )
        ).first()
        doc_id = connection.execute(text("SELECT id FROM search_documents WHERE name = :name"), {"name": name}).scalar()
        if doc_id is not None:
            connection.execute(text("DELETE FROM search_fts WHERE rowid = :id"), {"id": doc_id})
        if latest is None:
            if doc_id is not None:
                connection.execute(text("DELETE FROM search_documents WHERE id = :id"), {"id": doc_id})
            return
        filters = {"package_types": latest.package_types, "transport_types": latest.transport_types}
        if doc_id is None:
            doc_id = connection.execute(
                text(
                    "INSERT INTO search_documents (name, package_types, transport_types)"
                    " VALUES (:name, :package_types, :transport_types) RETURNING id"
                ),
                {"name": name, **filters},
            ).scalar_one()
        else:
            connection.execute(
                text(
                    "UPDATE search_documents SET package_types = :package_types, transport_types = :transport_types"
                    " WHERE id = :id"
                ),
                {"id": doc_id, **filters},
            )
        document = SearchText.of(latest.value)
        connection.execute(
            text(
                "INSERT INTO search_fts (rowid, name, title, description, tools) "
                "VALUES (:id, :name, :title, :description, :tools)"
            ),
            {"id": doc_id, **document.__dict__},
        )

    def query(
        self, connection: Connection, text_query: str, *, limit: int, offset: int, filters: SearchFilters
    ) -> Sequence[AnyRow]:
        # Rank and page over the small search tables first; read the (large) servers rows of one page only.
        params: dict[str, Any] = {"limit": limit, "offset": offset}
        where = filters.sql(params, "d")
        if not text_query.strip():
            matches, rank = f"SELECT d.name, 0.0 FROM search_documents AS d WHERE 1 = 1{where}", "0.0"
        else:
            # SQLite's LIKE ignores ASCII case already (names are ASCII), and lower() would cost a third more.
            params["substring"] = like_contains(text_query.strip())
            matches = f"SELECT d.name, 0.0 FROM search_documents AS d WHERE d.name LIKE :substring ESCAPE '/'{where}"
            rank = f"CASE WHEN m.name LIKE :substring ESCAPE '/' THEN {NAME_SUBSTRING_BONUS} ELSE 0.0 END"
            terms = search_terms(text_query)
            if terms:
                params["match"] = " ".join(f'"{term}"*' for term in terms)
                matches = (
                    "SELECT d.name, -bm25(search_fts, 10.0, 4.0, 1.0, 4.0) FROM search_fts"
                    f" JOIN search_documents AS d ON d.id = search_fts.rowid WHERE search_fts MATCH :match{where}"
                    f" UNION ALL {matches}"
                )
        statement = (
            f"WITH matches(name, score) AS ({matches}),"
            f" page AS (SELECT m.name, max(m.score) + {rank} AS rank, count(*) OVER () AS total"
            " FROM matches AS m GROUP BY m.name ORDER BY rank DESC, m.name LIMIT :limit OFFSET :offset)"
            f" SELECT {_COLUMNS}, page.rank, page.total FROM page"
            " JOIN servers AS s ON s.name = page.name AND s.is_latest ORDER BY page.rank DESC, page.name"
        )
        return _finish(statement, params, connection)


class _PostgresSearch:
    _VECTOR = (
        "setweight(to_tsvector('simple', :name_text), 'A')"
        " || setweight(to_tsvector('simple', :title), 'B')"
        " || setweight(to_tsvector('simple', :description), 'C')"
        " || setweight(to_tsvector('simple', :tools), 'B')"
    )

    def refresh_name(self, connection: Connection, name: str) -> None:
        latest = connection.execute(
            select(servers.c.value, servers.c.package_types, servers.c.transport_types).where(
                servers.c.name == name, servers.c.is_latest, servers.c.status != "deleted"
            )
        ).first()
        if latest is None:
            connection.execute(text("DELETE FROM search_documents WHERE name = :name"), {"name": name})
            return
        document = SearchText.of(latest.value)
        connection.execute(
            text(
                "INSERT INTO search_documents (name, package_types, transport_types, search_vector)"
                f" VALUES (:name, :package_types, :transport_types, {self._VECTOR})"
                " ON CONFLICT (name) DO UPDATE SET package_types = excluded.package_types,"
                " transport_types = excluded.transport_types, search_vector = excluded.search_vector"
            ),
            {
                "name": name,
                "package_types": latest.package_types,
                "transport_types": latest.transport_types,
                "name_text": document.name,
                "title": document.title,
                "description": document.description,
                "tools": document.tools,
            },
        )

    def query(
        self, connection: Connection, text_query: str, *, limit: int, offset: int, filters: SearchFilters
    ) -> Sequence[AnyRow]:
        # Rank and page over search_documents (one small row per name); read the servers rows of one page only.
        params: dict[str, Any] = {"limit": limit, "offset": offset}
        where = filters.sql(params, "d")
        rank, match = "0.0", "TRUE"
        if text_query.strip():
            params["substring"] = like_contains(text_query.strip())
            substring = "d.name ILIKE :substring ESCAPE '/'"
            rank = f"CASE WHEN {substring} THEN {NAME_SUBSTRING_BONUS} ELSE 0.0 END"
            match = substring
            terms = search_terms(text_query)
            if terms:
                params["prefix"] = " & ".join(f"{term}:*" for term in terms)
                params["web"] = text_query
                query = "(to_tsquery('simple', :prefix) || websearch_to_tsquery('simple', :web))"
                rank = f"ts_rank(d.search_vector, {query}) + {rank}"
                match = f"(d.search_vector @@ {query} OR {substring})"
        statement = (
            f"WITH page AS (SELECT d.name, {rank} AS rank, count(*) OVER () AS total FROM search_documents AS d"
            f" WHERE {match}{where} ORDER BY rank DESC, d.name LIMIT :limit OFFSET :offset)"
            f" SELECT {_COLUMNS}, page.rank, page.total FROM page"
            " JOIN servers AS s ON s.name = page.name AND s.is_latest ORDER BY page.rank DESC, page.name"
        )
        return _finish(statement, params, connection)
