"""The registry's data as the API speaks it, and the one interface every layer uses to reach the store.

The API, the web catalogue, the mirror and the benchmarks all talk to a :class:`RegistryService`; only
``store/`` knows SQL. Records are plain frozen dataclasses: the wire form is built by ``to_wire`` (as bytes:
``to_wire_bytes``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal, Protocol

from mcpship._strict_json import dumps
from mcpship.registry.stored_json import finite_stored_json, loads_stored

__all__ = [
    "OFFICIAL_META_KEY",
    "Changes",
    "ListQuery",
    "OfficialMeta",
    "RegistryService",
    "SearchHit",
    "SearchPage",
    "SearchRanking",
    "ServerPage",
    "ServerRecord",
    "Status",
    "format_timestamp",
    "records_wire_bytes",
    "tool_names",
]

OFFICIAL_META_KEY = "io.modelcontextprotocol.registry/official"
PUBLISHER_META_KEY = "io.modelcontextprotocol.registry/publisher-provided"

Status = Literal["active", "deprecated", "deleted"]


def format_timestamp(moment: datetime) -> str:
    """RFC 3339 in UTC with a ``Z``, microseconds kept (Go's ``time.RFC3339Nano`` shape)."""
    if moment.tzinfo is not UTC:  # the store already returns UTC: skip the conversion on the read path
        moment = moment.astimezone(UTC)
    return moment.isoformat()[:-6] + "Z"


@dataclass(frozen=True)
class OfficialMeta:
    """``_meta["io.modelcontextprotocol.registry/official"]`` of one version (registry.md §1.4)."""

    status: Status
    status_changed_at: datetime
    published_at: datetime
    updated_at: datetime
    is_latest: bool
    status_message: str | None = None

    def to_wire(self) -> dict[str, Any]:
        wire: dict[str, Any] = {
            "status": self.status,
            "statusChangedAt": format_timestamp(self.status_changed_at),
        }
        if self.status_message is not None:
            wire["statusMessage"] = self.status_message
        wire["publishedAt"] = format_timestamp(self.published_at)
        wire["updatedAt"] = format_timestamp(self.updated_at)
        wire["isLatest"] = self.is_latest
        return wire

    def to_json(self) -> str:
        """The JSON text of :meth:`to_wire`, built without the intermediate dict (hot in list responses)."""
        message = f',"statusMessage":{_encode(self.status_message)}' if self.status_message is not None else ""
        published = format_timestamp(self.published_at)
        # Until a version changes, all three moments are the publish time: format it once.
        changed = published if self.status_changed_at == self.published_at else format_timestamp(self.status_changed_at)
        updated = published if self.updated_at == self.published_at else format_timestamp(self.updated_at)
        return (
            f'{{"status":"{self.status}","statusChangedAt":"{changed}"{message},"publishedAt":"{published}",'
            f'"updatedAt":"{updated}","isLatest":{"true" if self.is_latest else "false"}}}'
        )


@dataclass(frozen=True)
class ServerRecord:
    """One published version: the server.json exactly as stored, plus the registry's own metadata.

    Records read from the store (:meth:`from_stored_json`) keep the stored JSON text and decode ``server`` only
    when something asks for it: the API's read path never does, it splices the text into the response
    (:meth:`to_wire_bytes`). Treat ``server`` as read-only: the text is what the wire shows.
    """

    server: Mapping[str, Any]
    official: OfficialMeta
    stored_json: str | None = field(default=None, compare=False, repr=False)
    """The server.json as the database returned it (any valid JSON spelling of ``server``), if known."""

    @classmethod
    def from_stored_json(cls, stored_json: str, official: OfficialMeta) -> ServerRecord:
        """A record whose ``server`` is decoded from ``stored_json`` on first access.

        Text that holds ``NaN`` or ``Infinity`` (stored before publishing refused them) is served with ``null``
        in their place, and logged: a list page showing the row must stay JSON every client can parse."""
        finite = finite_stored_json(stored_json)
        if finite is not None:
            _log.warning(
                "a stored server.json holds NaN or Infinity; served with null in their place (%s). "
                "Publish a corrected version, or fix the row with an admin edit.",
                _identify(finite),
            )
            stored_json = finite
        record = object.__new__(cls)
        object.__setattr__(record, "official", official)
        object.__setattr__(record, "stored_json", stored_json)
        return record

    if not TYPE_CHECKING:

        def __getattr__(self, attribute: str) -> Any:
            # Only reached while ``server`` is still undecoded (a set attribute never comes here).
            text = self.__dict__.get("stored_json")
            if attribute != "server" or text is None:
                raise AttributeError(f"{type(self).__name__!r} object has no attribute {attribute!r}")
            server = loads_stored(text)
            object.__setattr__(self, "server", server)
            return server

    @property
    def name(self) -> str:
        return str(self.server["name"])

    @property
    def version(self) -> str:
        return str(self.server["version"])

    def to_wire(self) -> dict[str, Any]:
        """A ``ServerResponse``: ``{"server": ..., "_meta": {OFFICIAL_META_KEY: ...}}``."""
        return {"server": dict(self.server), "_meta": {OFFICIAL_META_KEY: self.official.to_wire()}}

    def to_wire_bytes(self) -> bytes:
        """The JSON of :meth:`to_wire` (the same value), with the stored text spliced in rather than re-encoded."""
        server = self.stored_json if self.stored_json is not None else _encode(dict(self.server))
        return f'{{"server":{server},"_meta":{{{_OFFICIAL_KEY_JSON}:{self.official.to_json()}}}}}'.encode()


_encode = dumps
_OFFICIAL_KEY_JSON = _encode(OFFICIAL_META_KEY)
_log = logging.getLogger("mcpship.registry")


def _identify(document_json: str) -> str:
    document = loads_stored(document_json)
    if not isinstance(document, dict):
        return "not an object"
    return f"name {document.get('name')!r}, version {document.get('version')!r}"


def records_wire_bytes(records: Sequence[ServerRecord], metadata: Mapping[str, Any]) -> bytes:
    """``{"servers": [ServerResponse...], "metadata": metadata}`` as JSON bytes, records via ``to_wire_bytes``."""
    servers = b",".join(record.to_wire_bytes() for record in records)
    return b'{"servers":[' + servers + b'],"metadata":' + _encode(metadata).encode() + b"}"


@dataclass(frozen=True)
class ListQuery:
    """``GET /servers`` parameters, already validated (limit 1..100, RFC 3339 ``updated_since``).

    ``registry_type`` and ``transport`` are mcpship's additive filters (a package's ``registryType``;
    a package transport or remote ``type``); an official client never sends them.
    """

    cursor: str | None = None
    limit: int = 30
    search: str | None = None
    updated_since: datetime | None = None
    version: str | None = None
    include_deleted: bool = False
    registry_type: str | None = None
    transport: str | None = None


@dataclass(frozen=True)
class ServerPage:
    servers: list[ServerRecord]
    next_cursor: str | None = None

    def to_wire(self) -> dict[str, Any]:
        return {"servers": [record.to_wire() for record in self.servers], "metadata": self._metadata()}

    def to_wire_bytes(self) -> bytes:
        """The JSON of :meth:`to_wire` (the same value), each record via :meth:`ServerRecord.to_wire_bytes`."""
        return records_wire_bytes(self.servers, self._metadata())

    def _metadata(self) -> dict[str, Any]:
        metadata: dict[str, Any] = {"count": len(self.servers)}
        if self.next_cursor:
            metadata["nextCursor"] = self.next_cursor
        return metadata


@dataclass(frozen=True)
class SearchHit:
    record: ServerRecord
    rank: float
    """Higher is better; comparable only within one result page."""


@dataclass(frozen=True)
class SearchPage:
    hits: list[SearchHit]
    next_offset: int | None = None
    facts: dict[str, Any] = field(default_factory=dict)

    def ranking(self) -> SearchRanking:
        return SearchRanking(tuple((hit.record.name, hit.rank) for hit in self.hits), self.next_offset, self.facts)


@dataclass(frozen=True)
class SearchRanking:
    """A search page without its records: which names, in which order, with which ranks. It stays right while no
    write changes a search document (:attr:`Changes.reranked`), even as new versions with the same words become
    latest, so a page can be rebuilt from it and the names' current records instead of ranking again."""

    ranked: tuple[tuple[str, float], ...]
    next_offset: int | None
    facts: Mapping[str, Any]

    @property
    def names(self) -> list[str]:
        return [name for name, _ in self.ranked]

    def page(self, latest: Mapping[str, ServerRecord]) -> SearchPage | None:
        """The page with these records (``latest`` by name); ``None`` when one is missing (rank again)."""
        if any(name not in latest for name, _ in self.ranked):
            return None
        hits = [SearchHit(latest[name], rank) for name, rank in self.ranked]
        return SearchPage(hits, self.next_offset, dict(self.facts))


def tool_names(server: Mapping[str, Any]) -> list[str]:
    """Tool names a publisher declared under publisher-provided ``_meta`` (any ``tools`` list, at any depth).

    Covers ToolHive's ``{"io.github.stacklok": {<image>: {"tools": ["a", "b"]}}}`` and mcpship's own
    ``{"io.github.mcpship/interface": {"tools": [{"name": "a", ...}]}}``.
    """
    meta = server.get("_meta")
    provided = meta.get(PUBLISHER_META_KEY) if isinstance(meta, Mapping) else None
    return sorted(set(_walk_tools(provided)))


def _walk_tools(node: object) -> Iterator[str]:
    if isinstance(node, Mapping):
        for key, value in node.items():
            if key == "tools" and isinstance(value, list):
                for item in value:
                    if isinstance(item, str):
                        yield item
                    elif isinstance(item, Mapping) and isinstance(item.get("name"), str):
                        yield item["name"]
            else:
                yield from _walk_tools(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk_tools(item)


@dataclass(frozen=True)
class Changes:
    """What :meth:`RegistryService.changes_since` found."""

    counter: int
    """The change counter now."""
    names: frozenset[str] | None
    """The server names written since the counter asked about; ``None`` when the store cannot tell (too many
    changes, or the log no longer reaches back that far): treat everything as changed."""
    versions: Mapping[str, frozenset[str] | None] = field(default_factory=dict)
    """Per name in ``names``, the versions whose own rows changed (their content, status or isLatest); ``None``
    or a missing name: any version may have. Responses about the name as a whole (its version list, its latest)
    change with any write to it."""

    reranked: bool = True
    """Whether any of these writes changed a search document (its words, filter columns, or whether it is
    indexed), or the store cannot tell: rankings of searches from before may be wrong now. Otherwise they still
    hold; only the records shown with them may have changed (a new latest version with the same words)."""

    def touches(self, name: str, version: str | None) -> bool:
        """Whether a response about ``version`` of ``name`` (``None``: about the name as a whole) may be stale."""
        if self.names is None:
            return True
        if name not in self.names:
            return False
        written = self.versions.get(name)
        return version is None or written is None or version in written


class RegistryService(Protocol):
    """Everything the API, web catalogue, mirror and benchmarks need from storage. Methods are synchronous
    (SQLAlchemy Core); async callers run them in a worker thread. Failures the client caused raise
    :class:`mcpship.registry.problems.RegistryHTTPError` with the official wording and status.
    """

    def list_servers(self, query: ListQuery) -> ServerPage:
        """Ordered by (name, version) as plain strings; ``next_cursor`` = ``"name:version"`` only on a full page."""
        ...

    def list_versions(self, name: str, *, include_deleted: bool = False) -> list[ServerRecord]:
        """All versions of ``name``, newest ``published_at`` first; empty if there is none."""
        ...

    def get_version(self, name: str, version: str, *, include_deleted: bool = False) -> ServerRecord | None:
        """One version; ``version="latest"`` is the row with isLatest."""
        ...

    def latest_records(self, names: Sequence[str]) -> dict[str, ServerRecord]:
        """The latest non-deleted version of each of ``names`` that has one, by name (one query)."""
        ...

    def search(
        self,
        text: str,
        *,
        limit: int = 30,
        offset: int = 0,
        registry_type: str | None = None,
        transport: str | None = None,
    ) -> SearchPage:
        """Ranked full-text search over name, title, description and tool names; latest non-deleted versions."""
        ...

    def publish(self, server: Mapping[str, Any]) -> ServerRecord:
        """Insert a new, already validated version (publisher ``_meta`` pruned to publisher-provided, ≤ 4 KB).

        Serialised per name; refuses duplicates (deleted ones included), a remote URL used by another name,
        the 10,000th+1 version. Decides isLatest (semver order, semver beats non-semver, else publish time).
        """
        ...

    def edit(self, name: str, version: str, server: Mapping[str, Any]) -> ServerRecord:
        """Admin edit of one existing, non-deleted version (no rename, same version); bumps updatedAt."""
        ...

    def set_status(self, name: str, version: str | None, status: Status, message: str | None) -> list[ServerRecord]:
        """Change one version's status (or all versions' when ``version`` is None) in one transaction;
        recomputes isLatest; every row whose isLatest flips also gets a new updatedAt (the upstream gap)."""
        ...

    def import_record(self, server: Mapping[str, Any], official: OfficialMeta) -> bool:
        """Mirror: store a version with the source's own metadata (insert, or update when the source's
        ``updatedAt`` is newer); keeps one isLatest per name. True when anything changed."""
        ...

    def change_counter(self) -> int:
        """A number that grows with every committed write (for ETags and caches; shared by replicas)."""
        ...

    def changes_since(self, counter: int) -> Changes:
        """The change counter now and which server names were written after ``counter`` (see :class:`Changes`)."""
        ...

    @property
    def quick_point_reads(self) -> bool:
        """Whether ``get_version`` and ``list_versions`` answer within microseconds without network I/O, so that
        the API may call them on its event loop instead of paying for a worker-thread hop."""
        ...

    @property
    def orders_names_by_code_point(self) -> bool:
        """Whether ``list_servers`` orders names as Python compares strings (SQLite; PostgreSQL with the ``C``
        collation), so that a list page's name range can be told from Python."""
        ...

    def close(self) -> None: ...
