"""The registry's business rules on SQL storage: :class:`SqlRegistry` implements :class:`RegistryService`.

Upstream's rules (registry.md §1.4-1.8, §3.4-3.6) with two deliberate differences, both for mirrors:

- whenever a row's ``isLatest`` flips, that row's ``updatedAt`` moves too, so ``updated_since`` syncs see it;
- a publish takes ``isLatest`` from a *deleted* latest version (upstream keeps the flag on the deleted row
  until the next status change), matching what a status change would compute.

Every write is one transaction that is serialised per server name (``pg_advisory_xact_lock`` on
PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite) and bumps the shared change counter last, just before commit.

mcpship's additive list/search filters: ``registry_type`` matches any package's ``registryType``, and the
value ``remote`` matches servers that have ``remotes``; ``transport`` matches any package transport ``type``
or remote ``type``. ``ListQuery.search`` is upstream's case-insensitive substring of the name;
:meth:`SqlRegistry.search` is the ranked full-text search (see ``store/search.py``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from types import TracebackType
from typing import Any, Final, get_args

import platformdirs
from sqlalchemy import Connection, Engine, and_, delete, func, insert, select, text, update
from sqlalchemy.exc import ArgumentError, DBAPIError

from mcpship._exceptions import McpshipError, UsageError
from mcpship._strict_json import dumps, path_text, refusals, strings
from mcpship.registry.limits import MAX_PUBLISHER_META_BYTES, MAX_STATUS_MESSAGE_LENGTH
from mcpship.registry.problems import RegistryHTTPError
from mcpship.registry.records import (
    PUBLISHER_META_KEY,
    Changes,
    ListQuery,
    OfficialMeta,
    SearchHit,
    SearchPage,
    ServerPage,
    ServerRecord,
    Status,
)
from mcpship.registry.store.direct import DirectReader, DirectSQL
from mcpship.registry.store.documents import package_types, remote_urls, transport_types
from mcpship.registry.store.engine import (
    create_registry_engine,
    read_connection,
    upgrade_to_head,
    write_transaction,
)
from mcpship.registry.store.listing import list_page_sql, substring_page_sql
from mcpship.registry.store.schema import (
    RECORD_COLUMNS,
    AnyRow,
    registry_changes,
    registry_state,
    server_remotes,
    servers,
)
from mcpship.registry.store.search import SearchFilters, search_backend
from mcpship.registry.store.versioning import precedence_key
from mcpship.server_json.rules import publisher_meta_bytes

__all__ = [
    "CHANGE_LOG_KEEP",
    "MAX_NAMED_CHANGES",
    "MAX_PUBLISHER_META_BYTES",
    "MAX_STATUS_MESSAGE_LENGTH",
    "SEARCH_TOTAL_CAP",
    "SqlRegistry",
    "default_database_url",
]

CHANGE_LOG_KEEP: Final = 10_000
"""How many recent change-log rows are kept: a replica further behind than that drops its whole cache."""
MAX_NAMED_CHANGES: Final = 1_000
"""``changes_since`` names at most this many changes; past it, "everything changed" is cheaper to act on."""
_CHANGE_LOG_PRUNE_EVERY: Final = 100
SEARCH_TOTAL_CAP: Final = 1000
"""``search`` counts its hits up to this many; past it ``facts`` says ``total_is_lower_bound``."""
LIST_SEARCH_PROBE: Final = 500
"""``list_servers(search=)`` on PostgreSQL: with fewer matches, rows come through the trigram index, else in order."""
_STATUSES: Final = get_args(Status)
_C = servers.c


def default_database_url() -> str:
    """``sqlite:///<user data dir>/mcpship/registry.db`` (the directory is created on first open)."""
    return f"sqlite:///{Path(platformdirs.user_data_dir('mcpship')) / 'registry.db'}"


class SqlRegistry:
    """The registry on SQLite or PostgreSQL. Thread-safe; one instance per process is enough."""

    def __init__(
        self, engine: Engine, *, max_versions_per_name: int = 10_000, unique_remote_urls: bool = False
    ) -> None:
        self._engine = engine
        self._search = search_backend(engine.dialect.name)
        self._direct = DirectReader(engine)
        self._sql = DirectSQL(engine.dialect.name)
        self._orders_by_code_point: bool | None = None
        self.max_versions_per_name = max_versions_per_name
        self.unique_remote_urls = unique_remote_urls
        """Refuse a remote URL that another server name's non-deleted version lists (publish, edit, restore).
        Off by default: the official registry dropped that rule in v1.8 (a URL may be shared across names)."""

    @classmethod
    def open(
        cls,
        database_url: str,
        *,
        max_versions_per_name: int = 10_000,
        unique_remote_urls: bool = False,
        migrate: bool = True,
    ) -> SqlRegistry:
        """Connect to ``sqlite:///path`` or ``postgresql+psycopg://...``; with ``migrate``, upgrade the schema
        to head first (safe when several replicas start at once).

        Raises :class:`~mcpship._exceptions.UsageError` for a URL that is not one of those, and
        :class:`~mcpship._exceptions.McpshipError` (password hidden) when the database cannot be reached.
        """
        try:
            engine = create_registry_engine(database_url)
        except (ValueError, ArgumentError) as error:
            raise UsageError(
                f"{database_url!r} is not a registry database URL: {error}",
                hint="use sqlite:///path/to/registry.db or postgresql+psycopg://user:password@host:5432/dbname",
            ) from error
        try:
            if migrate:
                upgrade_to_head(engine)
        except DBAPIError as error:
            engine.dispose()
            shown = engine.url.render_as_string(hide_password=True)
            raise McpshipError(
                f"cannot open the registry database {shown}: {error.orig}".strip(),
                hint="check that the database server runs and that the URL, user, password and database are right",
            ) from error
        except BaseException:
            engine.dispose()
            raise
        return cls(engine, max_versions_per_name=max_versions_per_name, unique_remote_urls=unique_remote_urls)

    @property
    def engine(self) -> Engine:
        return self._engine

    def close(self) -> None:
        self._direct.close()
        self._engine.dispose()

    def __enter__(self) -> SqlRegistry:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    # ---- reads ---------------------------------------------------------------------------------------------

    def list_servers(self, query: ListQuery) -> ServerPage:
        sql = self._sql

        def select_page(cursor: Any) -> list[tuple[Any, ...]]:
            if query.search and sql.dialect == "postgresql":
                cursor.execute(*substring_page_sql(sql.dialect, sql.columns, query, LIST_SEARCH_PROBE))
                found: list[tuple[Any, ...]] = cursor.fetchall()
                if not found or found[0][-1] < LIST_SEARCH_PROBE:  # else a common substring: walking is quick
                    return [row[:-1] for row in found]
            cursor.execute(*list_page_sql(sql.dialect, sql.columns, query))
            rows: list[tuple[Any, ...]] = cursor.fetchall()
            return rows

        records = [_record(sql.values(row)) for row in self._direct.run(select_page)]
        last = records[-1] if len(records) >= query.limit and records else None
        return ServerPage(records, f"{last.name}:{last.version}" if last else None)

    def list_versions(self, name: str, *, include_deleted: bool = False) -> list[ServerRecord]:
        sql = self._sql
        statement = sql.versions + ("" if include_deleted else sql.not_deleted) + sql.versions_order

        def select_versions(cursor: Any) -> list[ServerRecord]:
            cursor.execute(statement, (name,))
            return [_record(sql.values(row)) for row in cursor.fetchall()]

        return self._direct.run(select_versions)

    def latest_records(self, names: Sequence[str]) -> dict[str, ServerRecord]:
        if not names:
            return {}
        sql = self._sql
        statement, parameters = sql.latest_of(list(names))

        def select_latest(cursor: Any) -> dict[str, ServerRecord]:
            cursor.execute(statement, parameters)
            return {(record := _record(sql.values(row))).name: record for row in cursor.fetchall()}

        return self._direct.run(select_latest)

    def get_version(self, name: str, version: str, *, include_deleted: bool = False) -> ServerRecord | None:
        sql = self._sql
        statement = sql.latest if version == "latest" else sql.version
        statement += "" if include_deleted else sql.not_deleted
        parameters = (name,) if version == "latest" else (name, version)

        def select_version(cursor: Any) -> ServerRecord | None:
            cursor.execute(statement, parameters)
            row = cursor.fetchone()
            return _record(sql.values(row)) if row is not None else None

        return self._direct.run(select_version)

    def search(
        self,
        text: str,
        *,
        limit: int = 30,
        offset: int = 0,
        registry_type: str | None = None,
        transport: str | None = None,
    ) -> SearchPage:
        filters = SearchFilters(registry_type=registry_type, transport=transport)
        with read_connection(self._engine) as connection:
            rows = self._search.query(connection, text, limit=limit + 1, offset=offset, filters=filters)
            if len(rows) <= limit and (rows or not offset):  # the last page: its hits and those before it are all
                total = offset + len(rows)
            else:  # counting stops at the cap: a word every server matches must not cost a count of them all
                total = self._search.count(connection, text, filters=filters, cap=SEARCH_TOTAL_CAP + 1)
        hits = [SearchHit(_record(row), float(row.rank)) for row in rows[:limit]]
        facts: dict[str, Any] = {"total": min(total, SEARCH_TOTAL_CAP)}
        if total > SEARCH_TOTAL_CAP:
            facts["total_is_lower_bound"] = True
        return SearchPage(hits, offset + limit if len(rows) > limit else None, facts)

    def change_counter(self) -> int:
        return self._direct.run(self._select_counter)

    def changes_since(self, counter: int) -> Changes:
        """Counter first, then the log up to it: every log row at or below a visible counter is committed (the
        counter row's lock orders writers), so the log is complete for that range unless it was pruned."""

        def select_changes(cursor: Any) -> Changes:
            now = self._select_counter(cursor)
            if now == counter:
                return Changes(now, frozenset(), reranked=False)
            if now < counter or now - counter > MAX_NAMED_CHANGES:
                return Changes(now, None)
            cursor.execute(self._sql.changes, (counter, now))
            rows = cursor.fetchall()
            # Fewer rows than changes: pruned, or written by something that bypassed the log (a restored backup).
            if len(rows) != now - counter:
                return Changes(now, None)
            reranked = any(reranks is None or bool(reranks) for _, _, reranks in rows)
            return Changes(now, frozenset(row[0] for row in rows), _versions_by_name(rows), reranked)

        return self._direct.run(select_changes)

    def _select_counter(self, cursor: Any) -> int:
        cursor.execute(self._sql.counter)
        row = cursor.fetchone()
        if row is None:
            raise McpshipError("the registry database has no change counter row: was it migrated?")
        return int(row[0])

    @property
    def quick_point_reads(self) -> bool:
        """SQLite: a one-server read is a local B-tree lookup of microseconds (WAL readers never wait for writers)."""
        return self._engine.dialect.name == "sqlite"

    @property
    def orders_names_by_code_point(self) -> bool:
        if self._orders_by_code_point is None:
            self._orders_by_code_point = _orders_by_code_point(self._engine)
        return self._orders_by_code_point

    # ---- writes --------------------------------------------------------------------------------------------

    def publish(self, server: Mapping[str, Any]) -> ServerRecord:
        document = _prepared(server, _publish_error)
        name, version = document["name"], document["version"]
        now = _now()
        with write_transaction(self._engine) as connection:
            self._lock_name(connection, name)
            self._ensure_remote_urls_free(connection, name, remote_urls(document), _publish_error)
            count = connection.execute(select(func.count()).where(_C.name == name)).scalar_one()
            if count >= self.max_versions_per_name:
                raise _publish_error(
                    f"maximum number of versions for this server reached ({self.max_versions_per_name}): "
                    "ask the registry's operator to raise the limit"
                )
            if connection.execute(select(_C.version).where(_C.name == name, _C.version == version)).first():
                raise _publish_error(
                    f"invalid version: cannot publish duplicate version: {name}@{version} already exists"
                )
            current = connection.execute(
                select(_C.version, _C.status, _C.published_at).where(_C.name == name, _C.is_latest)
            ).first()
            is_latest = (
                current is None
                or current.status == "deleted"
                or precedence_key(version, now) > precedence_key(current.version, current.published_at)
            )
            if is_latest and current is not None:
                connection.execute(
                    update(servers)
                    .where(_C.name == name, _C.version == current.version)
                    .values(is_latest=False, updated_at=now)
                )
            official = OfficialMeta(
                status="active", status_changed_at=now, published_at=now, updated_at=now, is_latest=is_latest
            )
            connection.execute(insert(servers).values(name=name, version=version, **_row_values(document, official)))
            self._store_remotes(connection, name, version, document)
            reranks = is_latest and self._search.refresh_name(connection, name)  # it indexes the latest only
            demoted = [current.version] if is_latest and current is not None else []
            self._bump_change_counter(connection, name, [version, *demoted], reranks=reranks)
        return ServerRecord(document, official)

    def edit(self, name: str, version: str, server: Mapping[str, Any]) -> ServerRecord:
        now = _now()
        with write_transaction(self._engine) as connection:
            self._lock_name(connection, name)
            current = connection.execute(
                select(_C.status, _C.is_latest).where(_C.name == name, _C.version == version)
            ).first()
            if current is None or current.status == "deleted":
                raise RegistryHTTPError(404, "Server not found")
            if server.get("name") != name:
                raise RegistryHTTPError(400, "Cannot rename server")
            if server.get("version") != version:
                body_version = server.get("version")
                raise RegistryHTTPError(
                    400, f"Version in request body ({body_version}) must match the version in the path ({version})"
                )
            document = _prepared(server, _edit_error)
            self._ensure_remote_urls_free(connection, name, remote_urls(document), _edit_error)
            connection.execute(
                update(servers)
                .where(_C.name == name, _C.version == version)
                .values(
                    value=document,
                    package_types=package_types(document),
                    transport_types=transport_types(document),
                    updated_at=now,
                )
            )
            self._store_remotes(connection, name, version, document)
            reranks = bool(current.is_latest) and self._search.refresh_name(connection, name)
            self._bump_change_counter(connection, name, [version], reranks=reranks)
            return _record(self._select_one(connection, name, version))

    def set_status(self, name: str, version: str | None, status: Status, message: str | None) -> list[ServerRecord]:
        if status not in _STATUSES:
            raise RegistryHTTPError(400, f"Invalid status: {status}. Must be one of: active, deprecated, deleted")
        if status == "active" and message is not None:
            raise RegistryHTTPError(400, "status_message cannot be provided when setting status to active")
        if message is not None and len(message) > MAX_STATUS_MESSAGE_LENGTH:
            raise RegistryHTTPError(
                422, f"statusMessage is {len(message)} characters long; the limit is {MAX_STATUS_MESSAGE_LENGTH}"
            )
        now = _now()
        with write_transaction(self._engine) as connection:
            self._lock_name(connection, name)
            targets = self._status_targets(connection, name, version)
            if all(row.status == status and row.status_message == message for row in targets):
                raise RegistryHTTPError(
                    400,
                    "No changes to apply: status and message are already set to the provided values"
                    if version is not None
                    else "No changes to apply: all versions already have the requested status and message",
                )
            if status == "active":
                for row in targets:
                    if row.status == "deleted":
                        self._ensure_remote_urls_free(connection, name, remote_urls(row.value), _status_error)
            scope = _C.name == name if version is None else and_(_C.name == name, _C.version == version)
            connection.execute(update(servers).where(scope, _C.status != status).values(status_changed_at=now))
            connection.execute(
                update(servers).where(scope).values(status=status, status_message=message, updated_at=now)
            )
            flipped = self._recompute_latest(connection, name, now)
            reranks = self._search.refresh_name(connection, name)
            touched = None if version is None else [version, *flipped]
            self._bump_change_counter(connection, name, touched, reranks=reranks)
            rows = connection.execute(
                select(*RECORD_COLUMNS).where(scope).order_by(_C.published_at.desc(), _C.version.desc())
            )
            return [_record(row) for row in rows]

    def import_record(self, server: Mapping[str, Any], official: OfficialMeta) -> bool:
        document = _prepared(server, _import_error, prune=False)
        name, version = document["name"], document["version"]
        with write_transaction(self._engine) as connection:
            self._lock_name(connection, name)
            stored = connection.execute(
                select(_C.updated_at, _C.is_latest).where(_C.name == name, _C.version == version)
            ).first()
            if stored is not None and (
                stored.updated_at > official.updated_at
                # Same updatedAt: only a moved isLatest is news (upstream flips it without dating it, §3.5).
                or (stored.updated_at == official.updated_at and bool(stored.is_latest) == official.is_latest)
            ):
                return False
            demoted: list[str] = []
            if official.is_latest:
                # A faithful copy: the other rows keep the source's updatedAt (the source bumps it if it flips).
                others = and_(_C.name == name, _C.is_latest, _C.version != version)
                demoted = list(connection.execute(select(_C.version).where(others)).scalars())
                if demoted:
                    connection.execute(update(servers).where(others).values(is_latest=False))
            values = _row_values(document, official)
            if stored is None:
                connection.execute(insert(servers).values(name=name, version=version, **values))
            else:
                connection.execute(update(servers).where(_C.name == name, _C.version == version).values(**values))
            self._store_remotes(connection, name, version, document)
            reranks = self._search.refresh_name(connection, name)
            self._bump_change_counter(connection, name, [version, *demoted], reranks=reranks)
        return True

    # ---- helpers -------------------------------------------------------------------------------------------

    def _lock_name(self, connection: Connection, name: str) -> None:
        """Serialise writers of one name. SQLite needs nothing more: ``BEGIN IMMEDIATE`` already holds the lock."""
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _lock_key(name)})

    def _ensure_remote_urls_free(
        self, connection: Connection, name: str, urls: Sequence[str], fail: Callable[[str], RegistryHTTPError]
    ) -> None:
        if not urls or not self.unique_remote_urls:
            return
        remotes = server_remotes.c
        owners = connection.execute(
            select(remotes.url, remotes.name)
            .join_from(server_remotes, servers, and_(_C.name == remotes.name, _C.version == remotes.version))
            .where(remotes.url.in_(urls), remotes.name != name, _C.status != "deleted")
            .order_by(remotes.name)
        ).all()
        used_by: dict[str, str] = {}
        for url, owner in owners:
            used_by.setdefault(url, owner)
        for url in urls:
            if url in used_by:
                raise fail(f"remote URL {url} is already used by server {used_by[url]}")

    def _store_remotes(self, connection: Connection, name: str, version: str, document: Mapping[str, Any]) -> None:
        """Keep the remote URL rows of one version in step with its server.json."""
        remotes = server_remotes.c
        connection.execute(delete(server_remotes).where(remotes.name == name, remotes.version == version))
        urls = remote_urls(document)
        if urls:
            connection.execute(insert(server_remotes), [{"name": name, "version": version, "url": url} for url in urls])

    def _status_targets(self, connection: Connection, name: str, version: str | None) -> list[AnyRow]:
        statement = select(_C.status, _C.status_message, _C.value).where(_C.name == name)
        if version is not None:
            statement = statement.where(_C.version == version)
        rows = list(connection.execute(statement).all())
        if not rows:
            raise RegistryHTTPError(404, "Server not found" if version is None else "Server version not found")
        return rows

    def _recompute_latest(self, connection: Connection, name: str, now: datetime) -> list[str]:
        """Highest non-deleted version wins; if all are deleted, the highest deleted one keeps the flag.

        Rows whose flag flips get ``updated_at = now`` (upstream leaves it, so mirrors miss the flip); returns
        their versions.
        """
        rows = connection.execute(
            select(_C.version, _C.status, _C.published_at, _C.is_latest)
            .where(_C.name == name)
            .order_by(_C.published_at, _C.version)
        ).all()
        candidates = [row for row in rows if row.status != "deleted"] or rows
        if not candidates:
            return []
        winner = candidates[0]
        for row in candidates[1:]:
            if precedence_key(row.version, row.published_at) > precedence_key(winner.version, winner.published_at):
                winner = row
        losers = [row.version for row in rows if row.is_latest and row.version != winner.version]
        if losers:
            connection.execute(
                update(servers).where(_C.name == name, _C.version.in_(losers)).values(is_latest=False, updated_at=now)
            )
        if not winner.is_latest:
            connection.execute(
                update(servers)
                .where(_C.name == name, _C.version == winner.version)
                .values(is_latest=True, updated_at=now)
            )
        return [*losers, *([] if winner.is_latest else [winner.version])]

    def _select_one(self, connection: Connection, name: str, version: str) -> AnyRow:
        return connection.execute(select(*RECORD_COLUMNS).where(_C.name == name, _C.version == version)).one()

    def _bump_change_counter(
        self, connection: Connection, name: str, versions: Iterable[str] | None, *, reranks: bool
    ) -> None:
        """``versions``: those whose own rows changed (content, status, isLatest); ``None``: possibly any.
        ``reranks``: the search document changed (what ``refresh_name`` returned)."""
        # Last statements before commit: on PostgreSQL this row lock is what orders commits, so hold it briefly.
        # The log row names what changed, so that caches drop one server's (or version's) responses, not all.
        counter = connection.execute(
            update(registry_state)
            .where(registry_state.c.id == 1)
            .values(change_counter=registry_state.c.change_counter + 1)
            .returning(registry_state.c.change_counter)
        ).scalar_one()
        logged = None if versions is None else json.dumps(sorted(set(versions)))
        connection.execute(
            insert(registry_changes).values(counter=counter, name=name, versions=logged, reranks=reranks)
        )
        if counter % _CHANGE_LOG_PRUNE_EVERY == 0:
            connection.execute(delete(registry_changes).where(registry_changes.c.counter <= counter - CHANGE_LOG_KEEP))


def _orders_by_code_point(engine: Engine) -> bool:
    """SQLite compares text bytewise (UTF-8 keeps code point order); PostgreSQL uses the database's collation,
    which is code point order only for ``C``/``POSIX`` (``en_US`` and friends ignore punctuation first)."""
    if engine.dialect.name != "postgresql":
        return True
    with read_connection(engine) as connection:
        collation = connection.execute(
            text("SELECT datcollate FROM pg_database WHERE datname = current_database()")
        ).scalar_one()
    return str(collation) in ("C", "POSIX")


def _now() -> datetime:
    return datetime.now(UTC)


_FIELDS = [column.name for column in RECORD_COLUMNS]
_STATUS, _MESSAGE, _PUBLISHED, _UPDATED, _CHANGED, _LATEST, _VALUE = (
    _FIELDS.index(name)
    for name in ("status", "status_message", "published_at", "updated_at", "status_changed_at", "is_latest", "value")
)


def _record(row: AnyRow | tuple[Any, ...]) -> ServerRecord:
    """A row that starts with ``RECORD_COLUMNS`` (``value`` as JSON text from direct reads: decoded only when
    used). Positional access: a row's attribute lookup by name costs more than the rest of this function."""
    official = OfficialMeta(
        status=row[_STATUS],
        status_changed_at=row[_CHANGED],
        published_at=row[_PUBLISHED],
        updated_at=row[_UPDATED],
        is_latest=bool(row[_LATEST]),
        status_message=row[_MESSAGE],
    )
    value = row[_VALUE]
    if isinstance(value, str):
        return ServerRecord.from_stored_json(value, official)
    return ServerRecord(server=value, official=official)


def _row_values(document: Mapping[str, Any], official: OfficialMeta) -> dict[str, Any]:
    return {
        "status": official.status,
        "status_message": official.status_message,
        "published_at": official.published_at,
        "updated_at": official.updated_at,
        "status_changed_at": official.status_changed_at,
        "is_latest": official.is_latest,
        "package_types": package_types(document),
        "transport_types": transport_types(document),
        "value": document,
    }


def _prepared(
    server: Mapping[str, Any], fail: Callable[[str], RegistryHTTPError], *, prune: bool = True
) -> dict[str, Any]:
    """A private JSON copy of ``server``; with ``prune``, ``_meta`` keeps only the publisher-provided key (≤ 4 KB).

    Whatever the caller (the API parses strictly; a mirror or a library caller may not), only what every backend
    stores and every client reads gets in: no NaN or Infinity, no lone surrogate, no NUL (PostgreSQL's ``jsonb``
    refuses it, so SQLite would keep what PostgreSQL cannot)."""
    try:
        text = dumps(server)
        text.encode()
    except ValueError:  # UnicodeEncodeError is one; the strict core's walk says what and where
        refusal = next(refusals(server), None)
        where = f" (at {path_text(refusal.path).lstrip('.')})" if refusal is not None and refusal.path else ""
        reason = refusal.message if refusal is not None else "it cannot be encoded as JSON"
        raise fail(f"server.json is not valid JSON: {reason}{where}") from None
    document = json.loads(text)
    if any("\x00" in string for string in strings(document)):
        raise fail("server.json holds a NUL character (\\u0000): no name, version or text may contain one")
    if not isinstance(document, dict):
        raise fail("server.json must be a JSON object")
    for key in ("name", "version"):
        if not isinstance(document.get(key), str) or not document[key]:
            raise fail(f"server.json has no {key}")
    if not prune or "_meta" not in document:
        return document
    meta = document["_meta"]
    if not (isinstance(meta, dict) and PUBLISHER_META_KEY in meta):
        return {key: value for key, value in document.items() if key != "_meta"}
    provided = meta[PUBLISHER_META_KEY]
    size = publisher_meta_bytes(document) or 0
    if size > MAX_PUBLISHER_META_BYTES:
        raise fail(f"_meta.{PUBLISHER_META_KEY} extension exceeds 4KB limit ({size} bytes)")
    document["_meta"] = {PUBLISHER_META_KEY: provided}
    return document


def _lock_key(name: str) -> int:
    """FNV-1a 64 of the name, folded into PostgreSQL's signed bigint (upstream uses the same hash)."""
    digest = 0xCBF29CE484222325
    for byte in name.encode():
        digest = ((digest ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return digest & 0x7FFFFFFFFFFFFFFF


def _failed(detail: str, message: str) -> RegistryHTTPError:
    return RegistryHTTPError(400, detail, errors=[{"message": message}])


# Partials, not closures made at import: the error is built when a write fails (and dev/mutate can mutate it).
_publish_error: Callable[[str], RegistryHTTPError] = partial(_failed, "Failed to publish server")
_edit_error: Callable[[str], RegistryHTTPError] = partial(_failed, "Failed to edit server")
_status_error: Callable[[str], RegistryHTTPError] = partial(_failed, "Failed to update server status")
_import_error: Callable[[str], RegistryHTTPError] = partial(_failed, "Failed to import server")


def _versions_by_name(rows: Sequence[tuple[Any, ...]]) -> dict[str, frozenset[str] | None]:
    """Change log rows (name, JSON array of versions or ``NULL``, …) merged per name; ``NULL`` wins (any version)."""
    merged: dict[str, set[str] | None] = {}
    for name, logged, *_ in rows:
        if logged is None:
            merged[name] = None
        elif (known := merged.setdefault(name, set())) is not None:
            known.update(json.loads(logged))
    return {name: None if versions is None else frozenset(versions) for name, versions in merged.items()}
