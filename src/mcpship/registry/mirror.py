"""Copy another MCP registry into this one, faithfully and incrementally.

Upstream's importer (registry.md §4.6) re-publishes each server.json, so ``publishedAt``, ``status`` and
``isLatest`` are recomputed and deleted versions are lost. A mirror here keeps the source's own
``_meta["io.modelcontextprotocol.registry/official"]`` (:meth:`RegistryService.import_record`), so the copy
reads exactly like the source through the API.

One run is a *pass* over ``GET /servers?updated_since=<high water of the last pass>`` (the first pass asks
``include_deleted=true`` instead; with ``updated_since`` the registry includes deleted rows itself), following
``nextCursor``. After every page the checkpoint ``(since, cursor, high water)`` is saved, so a killed run
resumes at the next page with the same query; a finished pass leaves ``cursor`` empty and the next pass
starts after the newest ``updatedAt`` seen. Re-running changes nothing: every row's ``updatedAt`` is stored.

The official registry flips ``isLatest`` without bumping ``updatedAt`` (registry.md §3.5, §8.7). A flag
*lost* that way needs nothing: the row that took it is on the page, and importing it clears the others. A
flag *gained* that way (the latest version deleted, an older one latest again) is invisible to
``updated_since``: the page shows the name with no ``isLatest`` row. So for every such name the mirror
re-reads ``/servers/{name}/versions`` and imports each version again. mcpship's own registry dates these
flips, so against it this costs a request per affected name and changes nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import httpx
import platformdirs

from mcpship._atomic import write_text_atomic
from mcpship._exceptions import McpshipError, UsageError
from mcpship.channels.mcp_registry import RegistryClient, RegistryRequestError
from mcpship.registry.problems import RegistryHTTPError
from mcpship.registry.records import OFFICIAL_META_KEY, OfficialMeta, RegistryService, Status

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "MirrorCheckpoint",
    "MirrorProgress",
    "MirrorReport",
    "MirrorState",
    "MirrorStateFile",
    "mirror_registry",
    "official_from_wire",
    "state_file_for",
]

DEFAULT_PAGE_SIZE = 100
"""The API's maximum ``limit``: fewest round trips."""
_STATUSES: frozenset[str] = frozenset({"active", "deprecated", "deleted"})


@dataclass(frozen=True)
class MirrorCheckpoint:
    """Where a pass over one source stands; saved after every committed page."""

    since: str | None = None
    """The ``updated_since`` of the current pass (the source's own timestamp text; None: everything)."""
    cursor: str | None = None
    """The next page of the current pass; None once the pass is complete."""
    high_water: str | None = None
    """The newest ``updatedAt`` seen; the next pass starts after it."""


class MirrorState(Protocol):
    """Where checkpoints live (a JSON file next to the database; a store may offer a table instead)."""

    def load(self, source: str) -> MirrorCheckpoint: ...

    def save(self, source: str, checkpoint: MirrorCheckpoint) -> None: ...


@dataclass(frozen=True)
class MirrorStateFile:
    """Checkpoints of every source in one JSON file: ``{"sources": {url: {"since", "cursor", "highWater"}}}``."""

    path: Path

    def load(self, source: str) -> MirrorCheckpoint:
        entry = self._read().get(source)
        if not isinstance(entry, dict):
            return MirrorCheckpoint()
        return MirrorCheckpoint(
            since=_text_or_none(entry.get("since")),
            cursor=_text_or_none(entry.get("cursor")),
            high_water=_text_or_none(entry.get("highWater")),
        )

    def save(self, source: str, checkpoint: MirrorCheckpoint) -> None:
        sources = self._read()
        sources[source] = {"since": checkpoint.since, "cursor": checkpoint.cursor, "highWater": checkpoint.high_water}
        write_text_atomic(self.path, json.dumps({"sources": sources}, indent=2, sort_keys=True) + "\n")

    def _read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as error:
            raise UsageError(
                f"cannot read the mirror state {self.path}: {error}",
                hint="delete it to mirror everything again (nothing is lost: unchanged rows are skipped)",
            ) from error
        sources = data.get("sources") if isinstance(data, dict) else None
        return dict(sources) if isinstance(sources, dict) else {}


def state_file_for(database_url: str) -> Path:
    """``<db file>.mirror-state.json`` for SQLite; for a server database, a file per URL in the user data dir."""
    prefix = "sqlite:///"
    if database_url.startswith(prefix) and database_url[len(prefix) :] not in ("", ":memory:"):
        database = Path(database_url[len(prefix) :])
        return database.with_name(database.name + ".mirror-state.json")
    digest = hashlib.sha256(database_url.encode()).hexdigest()[:16]
    return Path(platformdirs.user_data_dir("mcpship")) / "mirror-state" / f"{digest}.json"


@dataclass(frozen=True)
class MirrorProgress:
    pages: int
    seen: int
    changed: int


@dataclass(frozen=True)
class MirrorReport:
    source: str
    pages: int
    seen: int
    """Rows read from the source's list pages."""
    changed: int
    """Versions inserted or updated here (re-reads of a name's versions included)."""
    cursor: str | None
    """None when the pass completed; else where a resumed run continues."""
    updated_since: str | None
    """The next pass asks for rows updated after this."""
    refetched: int = 0
    """Names whose versions were re-read to catch isLatest flips the source did not date."""
    skipped: list[str] = field(default_factory=list)
    """Rows this registry refused to store, each with the reason."""

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["updatedSince"] = data.pop("updated_since")
        return data


def official_from_wire(meta: Mapping[str, Any]) -> OfficialMeta:
    """``_meta["io.modelcontextprotocol.registry/official"]`` as the source wrote it (missing dates fall back to
    ``publishedAt``, as upstream's own rows had them before migrations added the columns)."""
    status = meta.get("status", "active")
    if status not in _STATUSES:
        raise ValueError(f"unknown status {status!r}")
    published = _timestamp(meta, "publishedAt")
    if published is None:
        raise ValueError("no publishedAt")
    message = meta.get("statusMessage")
    return OfficialMeta(
        status=_status(status),
        status_changed_at=_timestamp(meta, "statusChangedAt") or published,
        published_at=published,
        updated_at=_timestamp(meta, "updatedAt") or published,
        is_latest=bool(meta.get("isLatest", False)),
        status_message=message if isinstance(message, str) else None,
    )


def mirror_registry(
    source_url: str,
    service: RegistryService,
    *,
    client: httpx.Client,
    state: MirrorState,
    page_size: int = DEFAULT_PAGE_SIZE,
    progress: Callable[[MirrorProgress], None] | None = None,
) -> MirrorReport:
    """Bring ``service`` up to date with the registry at ``source_url``; ``client`` carries the HTTP (its
    timeouts, proxies, or a ``MockTransport``); ``progress`` hears after every stored page."""
    if not 1 <= page_size <= 100:
        raise UsageError(f"page size {page_size} is outside 1..100", hint="the registry API serves 1 to 100 per page")
    with RegistryClient(source_url, client=client) as registry:
        return _mirror(registry, service, state, page_size, progress)


def _mirror(
    client: RegistryClient,
    service: RegistryService,
    state: MirrorState,
    page_size: int,
    progress: Callable[[MirrorProgress], None] | None,
) -> MirrorReport:
    source = client.registry
    checkpoint = state.load(source)
    if checkpoint.cursor is None:  # a new pass, after the last one's newest row
        checkpoint = MirrorCheckpoint(since=checkpoint.high_water, cursor=None, high_water=checkpoint.high_water)
    params: dict[str, Any] = {"limit": page_size}
    if checkpoint.since:
        params["updated_since"] = checkpoint.since
    else:
        params["include_deleted"] = True
    run = _Run(service)
    cursor = checkpoint.cursor
    while True:
        page = client.list_servers(cursor=cursor, **params)
        entries = [entry for entry in page.get("servers") or [] if isinstance(entry, dict)]
        run.import_page(entries)
        for name in _names_without_latest(entries):
            run.refetched += 1
            run.import_entries(client.list_versions(name, include_deleted=True))
        metadata = page.get("metadata")
        next_cursor = metadata.get("nextCursor") if isinstance(metadata, dict) and entries else None
        if next_cursor and next_cursor == cursor:
            raise RegistryRequestError(
                f"{source} answered cursor {cursor!r} with the same nextCursor; stopping instead of looping",
                hint="the source registry's pagination is broken; tell its operators",
            )
        cursor = str(next_cursor) if next_cursor else None
        checkpoint = replace(checkpoint, cursor=cursor, high_water=_newest(checkpoint.high_water, run.newest))
        state.save(source, checkpoint)
        run.pages += 1
        if progress is not None:
            progress(MirrorProgress(run.pages, run.seen, run.changed))
        if cursor is None:
            break
    return MirrorReport(
        source=source,
        pages=run.pages,
        seen=run.seen,
        changed=run.changed,
        cursor=None,
        updated_since=checkpoint.high_water,
        refetched=run.refetched,
        skipped=run.skipped,
    )


@dataclass
class _Run:
    service: RegistryService
    pages: int = 0
    seen: int = 0
    changed: int = 0
    refetched: int = 0
    newest: str | None = None
    skipped: list[str] = field(default_factory=list)

    def import_page(self, entries: list[dict[str, Any]]) -> None:
        self.seen += len(entries)
        self.import_entries(entries)

    def import_entries(self, entries: list[dict[str, Any]]) -> None:
        for entry in entries:
            server = entry.get("server")
            meta = entry.get("_meta")
            official_wire = meta.get(OFFICIAL_META_KEY) if isinstance(meta, dict) else None
            label = f"{server.get('name')} {server.get('version')}" if isinstance(server, dict) else "an entry"
            if not isinstance(server, dict) or not isinstance(official_wire, dict):
                self.skipped.append(f"{label}: no server or no official _meta")
                continue
            try:
                official = official_from_wire(official_wire)
                changed = self.service.import_record(server, official)
            except (ValueError, RegistryHTTPError, McpshipError) as error:
                self.skipped.append(f"{label}: {_reason(error)}")
                continue
            self.changed += changed
            self.newest = _newest(self.newest, official_wire.get("updatedAt"))


def _reason(error: Exception) -> str:
    if isinstance(error, RegistryHTTPError) and error.errors:
        return "; ".join(str(item.get("message")) for item in error.errors)
    return str(error)


def _names_without_latest(entries: list[dict[str, Any]]) -> list[str]:
    """Names on a page with no ``isLatest`` row: the source may have moved the flag to an undated row."""
    names: dict[str, bool] = {}
    for entry in entries:
        server, meta = entry.get("server"), entry.get("_meta")
        if not isinstance(server, dict) or not isinstance(server.get("name"), str):
            continue
        official = meta.get(OFFICIAL_META_KEY) if isinstance(meta, dict) else None
        latest = bool(official.get("isLatest")) if isinstance(official, dict) else False
        names[server["name"]] = names.get(server["name"], False) or latest
    return [name for name, has_latest in names.items() if not has_latest]


def _newest(current: str | None, candidate: object) -> str | None:
    """The later of two RFC 3339 texts, kept as the source wrote it (nanoseconds and all)."""
    if not isinstance(candidate, str):
        return current
    if current is None:
        return candidate
    try:
        return candidate if _parse(candidate) > _parse(current) else current
    except ValueError:
        return current


def _timestamp(meta: Mapping[str, Any], key: str) -> datetime | None:
    value = meta.get(key)
    return _parse(value) if isinstance(value, str) else None


def _parse(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} has no time zone")
    return moment


def _status(value: str) -> Status:
    if value == "deprecated":
        return "deprecated"
    if value == "deleted":
        return "deleted"
    return "active"


def _text_or_none(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
