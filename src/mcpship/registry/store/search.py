"""Ranked full-text search over name, title, description and tool names, one implementation per backend.

Both index one document per name, its latest non-deleted version, in ``search_documents`` (kept in step in
the same transaction as every write). SQLite: an FTS5 table keyed by the document id, ranked by ``bm25``
with the name weighted highest. PostgreSQL: a weighted ``search_vector`` column (A name, B title and tools,
C description) behind a GIN index, ranked by ``ts_rank``. Both also match word prefixes (``note``
finds ``notes``) and plain substrings of the name, which get a fixed bonus so name hits come first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, astuple, dataclass
from typing import Any, Protocol

from sqlalchemy import Connection, Float, column, select, text

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
    def refresh_name(self, connection: Connection, name: str) -> bool:
        """Re-index ``name`` from its latest non-deleted version (or drop it): call after any write that changed
        that version's document, which version is latest, or a status. Returns whether the indexed document
        changed (its text, filter columns, presence): if not, no search's matches or ranks moved, and the row is
        left as it was."""

    def query(
        self, connection: Connection, text_query: str, *, limit: int, offset: int, filters: SearchFilters
    ) -> Sequence[AnyRow]:
        """Rows of RECORD_COLUMNS plus ``rank``, best first."""

    def count(self, connection: Connection, text_query: str, *, filters: SearchFilters, cap: int) -> int:
        """How many names match, counting no further than ``cap``."""


def search_backend(dialect: str) -> SearchBackend:
    return _PostgresSearch() if dialect == "postgresql" else _SqliteSearch()


def _finish(statement: str, params: dict[str, Any], connection: Connection) -> Sequence[AnyRow]:
    typed = text(statement).columns(*RECORD_COLUMNS, column("rank", Float))
    return connection.execute(typed, params).all()


def _count_capped(connection: Connection, source: str, condition: str, params: dict[str, Any], cap: int) -> int:
    statement = f"SELECT count(*) FROM (SELECT 1 FROM {source} WHERE {condition} LIMIT :cap) AS hits"
    return int(connection.execute(text(statement), {**params, "cap": cap}).scalar_one())


def _listing(where: str, params: dict[str, Any], *, limit: int, offset: int) -> str:
    """Every indexed name (filters applied) by name, for an empty query."""
    params.update(limit=limit, offset=offset)
    return (
        "WITH page AS (SELECT d.name, 0.0 AS rank FROM search_documents AS d"
        f" WHERE 1 = 1{where} ORDER BY d.name LIMIT :limit OFFSET :offset)"
        f" SELECT {_COLUMNS}, page.rank FROM page"
        " JOIN servers AS s ON s.name = page.name AND s.is_latest ORDER BY page.rank DESC, page.name"
    )


def _page(ranked: str, named: str, params: dict[str, Any], *, limit: int, offset: int) -> str:
    """The page of ranked text hits and name-substring hits, joined to its servers rows.

    ``ranked`` is the top ``offset + limit`` text matches by rank (including the name bonus), ``named`` the first
    ``offset + limit`` names containing the query, by name, at rank NAME_SUBSTRING_BONUS. That is enough: every
    name in both has a rank above the bonus, so a name-only hit beyond the first ``offset + limit`` by name has at
    least that many hits above it. Neither side sorts more than the page window of wide rows, and ``named`` stops
    early on the name index when most names match (``github``).
    """
    params.update(limit=limit, offset=offset, window=offset + limit)
    return (
        f"WITH ranked(name, rank) AS ({ranked} ORDER BY 2 DESC, 1 LIMIT :window),"
        f" named(name, rank) AS ({named} ORDER BY 1 LIMIT :window),"
        " page AS (SELECT name, max(rank) AS rank FROM"
        " (SELECT name, rank FROM ranked UNION ALL SELECT name, rank FROM named) AS hits"
        " GROUP BY name ORDER BY 2 DESC, 1 LIMIT :limit OFFSET :offset)"
        f" SELECT {_COLUMNS}, page.rank FROM page"
        " JOIN servers AS s ON s.name = page.name AND s.is_latest ORDER BY page.rank DESC, page.name"
    )


class _SqliteSearch:
    def refresh_name(self, connection: Connection, name: str) -> bool:
        latest = connection.execute(
            select(servers.c.value, servers.c.package_types, servers.c.transport_types).where(
                servers.c.name == name, servers.c.is_latest, servers.c.status != "deleted"
            )
        ).first()
        indexed = connection.execute(
            text(
                "SELECT d.id, d.package_types, d.transport_types, f.name, f.title, f.description, f.tools"
                " FROM search_documents AS d JOIN search_fts AS f ON f.rowid = d.id WHERE d.name = :name"
            ),
            {"name": name},
        ).first()
        if latest is None:
            if indexed is None:
                return False
            connection.execute(text("DELETE FROM search_fts WHERE rowid = :id"), {"id": indexed.id})
            connection.execute(text("DELETE FROM search_documents WHERE id = :id"), {"id": indexed.id})
            return True
        document = SearchText.of(latest.value)
        doc_id = None
        if indexed is not None:
            if tuple(indexed[1:]) == (latest.package_types, latest.transport_types, *astuple(document)):
                return False  # a new version with the same words: rewriting the FTS row would only churn the index
            doc_id = indexed.id
            connection.execute(text("DELETE FROM search_fts WHERE rowid = :id"), {"id": doc_id})
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
        connection.execute(
            text(
                "INSERT INTO search_fts (rowid, name, title, description, tools) "
                "VALUES (:id, :name, :title, :description, :tools)"
            ),
            {"id": doc_id, **asdict(document)},
        )
        return True

    def query(
        self, connection: Connection, text_query: str, *, limit: int, offset: int, filters: SearchFilters
    ) -> Sequence[AnyRow]:
        params: dict[str, Any] = {}
        where = filters.sql(params, "d")
        if not text_query.strip():
            return _finish(_listing(where, params, limit=limit, offset=offset), params, connection)
        # SQLite's LIKE ignores ASCII case already (names are ASCII), and lower() would cost a third more.
        params["substring"] = like_contains(text_query.strip())
        substring = "d.name LIKE :substring ESCAPE '/'"
        ranked = "SELECT d.name, 0.0 FROM search_documents AS d WHERE 0"
        if self._match(params, text_query):
            ranked = (
                "SELECT d.name, -bm25(search_fts, 10.0, 4.0, 1.0, 4.0)"
                f" + CASE WHEN {substring} THEN {NAME_SUBSTRING_BONUS} ELSE 0.0 END"
                f" FROM search_fts JOIN search_documents AS d ON d.id = search_fts.rowid"
                f" WHERE search_fts MATCH :match{where}"
            )
        named = f"SELECT d.name, {NAME_SUBSTRING_BONUS} FROM search_documents AS d WHERE {substring}{where}"
        return _finish(_page(ranked, named, params, limit=limit, offset=offset), params, connection)

    def count(self, connection: Connection, text_query: str, *, filters: SearchFilters, cap: int) -> int:
        # Text matches (driven by the FTS index) and name-only matches counted apart; most queries stop at the first.
        params: dict[str, Any] = {}
        where = filters.sql(params, "d")
        documents = "search_documents AS d"
        if not text_query.strip():
            return _count_capped(connection, documents, f"1 = 1{where}", params, cap)
        params["substring"] = like_contains(text_query.strip())
        substring = "d.name LIKE :substring ESCAPE '/'"
        if not self._match(params, text_query):
            return _count_capped(connection, documents, f"{substring}{where}", params, cap)
        fts = "search_fts JOIN search_documents AS d ON d.id = search_fts.rowid"
        found = _count_capped(connection, fts, f"search_fts MATCH :match{where}", params, cap)
        if found >= cap:
            return found
        name_only = f"{substring} AND d.id NOT IN (SELECT rowid FROM search_fts WHERE search_fts MATCH :match){where}"
        return found + _count_capped(connection, documents, name_only, params, cap - found)

    @staticmethod
    def _match(params: dict[str, Any], text_query: str) -> bool:
        """Put the FTS5 query (every word, as a prefix) in ``params``; False when the text has no words."""
        terms = search_terms(text_query)
        if terms:
            params["match"] = " ".join(f'"{term}"*' for term in terms)
        return bool(terms)


class _PostgresSearch:
    _VECTOR = (
        "setweight(to_tsvector('simple', :name_text), 'A')"
        " || setweight(to_tsvector('simple', :title), 'B')"
        " || setweight(to_tsvector('simple', :description), 'C')"
        " || setweight(to_tsvector('simple', :tools), 'B')"
    )

    def refresh_name(self, connection: Connection, name: str) -> bool:
        latest = connection.execute(
            select(servers.c.value, servers.c.package_types, servers.c.transport_types).where(
                servers.c.name == name, servers.c.is_latest, servers.c.status != "deleted"
            )
        ).first()
        if latest is None:
            deleted = text("DELETE FROM search_documents WHERE name = :name RETURNING 1")
            return connection.execute(deleted, {"name": name}).first() is not None
        document = SearchText.of(latest.value)
        # The WHERE leaves an identical row alone (no new row version, no GIN churn); RETURNING says whether
        # anything was written.
        written = connection.execute(
            text(
                "INSERT INTO search_documents AS d (name, package_types, transport_types, search_vector)"
                f" VALUES (:name, :package_types, :transport_types, {self._VECTOR})"
                " ON CONFLICT (name) DO UPDATE SET package_types = excluded.package_types,"
                " transport_types = excluded.transport_types, search_vector = excluded.search_vector"
                " WHERE (d.package_types, d.transport_types, d.search_vector)"
                " IS DISTINCT FROM (excluded.package_types, excluded.transport_types, excluded.search_vector)"
                " RETURNING 1"
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
        ).first()
        return written is not None

    def query(
        self, connection: Connection, text_query: str, *, limit: int, offset: int, filters: SearchFilters
    ) -> Sequence[AnyRow]:
        params: dict[str, Any] = {}
        where = filters.sql(params, "d")
        if not text_query.strip():
            return _finish(_listing(where, params, limit=limit, offset=offset), params, connection)
        params["substring"] = like_contains(text_query.strip())
        substring = "d.name ILIKE :substring ESCAPE '/'"  # the trigram index on search_documents.name serves it
        ranked = "SELECT d.name, 0.0 FROM search_documents AS d WHERE FALSE"
        query = self._query(params, text_query)
        if query:
            ranked = (
                f"SELECT d.name, ts_rank(d.search_vector, {query})"
                f" + CASE WHEN {substring} THEN {NAME_SUBSTRING_BONUS} ELSE 0.0 END"
                f" FROM search_documents AS d WHERE d.search_vector @@ {query}{where}"
            )
        named = f"SELECT d.name, {NAME_SUBSTRING_BONUS} FROM search_documents AS d WHERE {substring}{where}"
        return _finish(_page(ranked, named, params, limit=limit, offset=offset), params, connection)

    def count(self, connection: Connection, text_query: str, *, filters: SearchFilters, cap: int) -> int:
        # Text matches and name-only matches counted apart, each through its own index: as one OR the planner
        # falls back to a sequential scan that runs ILIKE on every name.
        params: dict[str, Any] = {}
        where = filters.sql(params, "d")
        if not text_query.strip():
            return _count_capped(connection, "search_documents AS d", f"TRUE{where}", params, cap)
        params["substring"] = like_contains(text_query.strip())
        substring = "d.name ILIKE :substring ESCAPE '/'"
        query = self._query(params, text_query)
        if not query:
            return _count_capped(connection, "search_documents AS d", f"{substring}{where}", params, cap)
        found = _count_capped(connection, "search_documents AS d", f"d.search_vector @@ {query}{where}", params, cap)
        if found >= cap:
            return found
        name_only = f"{substring} AND NOT d.search_vector @@ {query}{where}"
        return found + _count_capped(connection, "search_documents AS d", name_only, params, cap - found)

    @staticmethod
    def _query(params: dict[str, Any], text_query: str) -> str | None:
        """The tsquery expression (every word as a prefix, or the web-search form), its values put in ``params``."""
        terms = search_terms(text_query)
        if not terms:
            return None
        params["prefix"] = " & ".join(f"{term}:*" for term in terms)
        params["web"] = text_query
        return "(to_tsquery('simple', :prefix) || websearch_to_tsquery('simple', :web))"
