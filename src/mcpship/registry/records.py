"""The registry's data as the API speaks it, and the one interface every layer uses to reach the store.

The API, the web catalogue, the mirror and the benchmarks all talk to a :class:`RegistryService`; only
``store/`` knows SQL. Records are plain frozen dataclasses: the wire form is built once, by ``to_wire``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

__all__ = [
    "OFFICIAL_META_KEY",
    "ListQuery",
    "OfficialMeta",
    "RegistryService",
    "SearchHit",
    "SearchPage",
    "ServerPage",
    "ServerRecord",
    "Status",
    "format_timestamp",
    "tool_names",
]

OFFICIAL_META_KEY = "io.modelcontextprotocol.registry/official"
PUBLISHER_META_KEY = "io.modelcontextprotocol.registry/publisher-provided"

Status = Literal["active", "deprecated", "deleted"]


def format_timestamp(moment: datetime) -> str:
    """RFC 3339 in UTC with a ``Z``, microseconds kept (Go's ``time.RFC3339Nano`` shape)."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


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


@dataclass(frozen=True)
class ServerRecord:
    """One published version: the server.json exactly as stored, plus the registry's own metadata."""

    server: Mapping[str, Any]
    official: OfficialMeta

    @property
    def name(self) -> str:
        return str(self.server["name"])

    @property
    def version(self) -> str:
        return str(self.server["version"])

    def to_wire(self) -> dict[str, Any]:
        """A ``ServerResponse``: ``{"server": ..., "_meta": {OFFICIAL_META_KEY: ...}}``."""
        return {"server": dict(self.server), "_meta": {OFFICIAL_META_KEY: self.official.to_wire()}}


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
        metadata: dict[str, Any] = {"count": len(self.servers)}
        if self.next_cursor:
            metadata["nextCursor"] = self.next_cursor
        return {"servers": [record.to_wire() for record in self.servers], "metadata": metadata}


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

    def close(self) -> None: ...
