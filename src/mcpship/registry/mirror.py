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

The source is someone else's server, so a run is bounded: each answer at most ``max_page_bytes`` and
``page_size`` entries, at most ``max_pages`` pages, and a cursor seen twice stops the run (both with a
:class:`~mcpship.registry_client.client.RegistryRequestError` naming the source, the pages read and the flag).
Each entry must be storable JSON (finite numbers, Unicode text, nested at most :data:`MAX_ENTRY_DEPTH`) and pass
the same server.json rules as a publish (:func:`~mcpship.server_json.validate_server_json`, with this registry's
package policy); otherwise it is skipped with the reason. Ownership is not proven again: the source did that, and
re-proving every package of a registry would be the amplifier the publish limits exist to prevent.

Time comes from the source too. A timestamp later than this machine's clock plus :data:`MAX_CLOCK_SKEW` is stored
clamped to that moment (the row is kept and listed in ``MirrorReport.clamped``), so the checkpoint, which is the
newest stored ``updatedAt``, can never run ahead of real time and make later runs miss rows; a saved checkpoint from
the future (written before this rule) is dropped and the run reads everything again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from mcpship._exceptions import McpshipError, UsageError
from mcpship._untrusted_json import hostile_content
from mcpship.registry.limits import MAX_JSON_DEPTH
from mcpship.registry.mirror_state import MirrorCheckpoint, MirrorState, MirrorStateFile, state_file_for
from mcpship.registry.problems import RegistryHTTPError
from mcpship.registry.records import OFFICIAL_META_KEY, OfficialMeta, RegistryService, Status, format_timestamp
from mcpship.registry_client.client import RegistryClient, RegistryRequestError, ResponseTooLargeError
from mcpship.server_json import PackagePolicy, validate_server_json

__all__ = [
    "DEFAULT_MAX_PAGES",
    "DEFAULT_MAX_PAGE_BYTES",
    "DEFAULT_PAGE_SIZE",
    "MAX_CLOCK_SKEW",
    "MAX_ENTRY_DEPTH",
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
DEFAULT_MAX_PAGES = 10_000
"""Pages one run reads at most (a million rows at 100 a page); a longer run stops and the next one continues."""
DEFAULT_MAX_PAGE_BYTES = 16 << 20
"""The largest answer read (a page of 100 typical servers is a few hundred KiB)."""
MAX_CLOCK_SKEW = timedelta(minutes=5)
"""How far ahead of this machine's clock a source's timestamps may be before they are clamped."""
MAX_ENTRY_DEPTH = MAX_JSON_DEPTH
"""Nesting of one entry (``{"server": ..., "_meta": ...}``), as of a publish body; a real one needs about 10."""
MAX_VERSIONS = 10_000
"""Versions one name may list (upstream's own cap per name)."""
_MAX_CURSOR = 4096
_MAX_STATUS_MESSAGE = 500
_STATUSES: frozenset[str] = frozenset({"active", "deprecated", "deleted"})


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
    clamped: list[str] = field(default_factory=list)
    """Rows stored with timestamps from the future clamped to this machine's clock plus :data:`MAX_CLOCK_SKEW`."""
    notes: list[str] = field(default_factory=list)
    """Anything else the operator should know (a checkpoint from the future that was dropped)."""

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["updatedSince"] = data.pop("updated_since")
        return data


def official_from_wire(meta: Mapping[str, Any]) -> OfficialMeta:
    """``_meta["io.modelcontextprotocol.registry/official"]`` as the source wrote it (missing dates fall back to
    ``publishedAt``, as upstream's own rows had them before migrations added the columns)."""
    status = meta.get("status", "active")
    if not isinstance(status, str) or status not in _STATUSES:
        raise ValueError(f"unknown status {status!r}")
    published = _timestamp(meta, "publishedAt")
    if published is None:
        raise ValueError("no publishedAt")
    message = meta.get("statusMessage")
    if isinstance(message, str) and len(message) > _MAX_STATUS_MESSAGE:
        raise ValueError(f"statusMessage is longer than {_MAX_STATUS_MESSAGE} characters (a status change refuses it)")
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
    max_pages: int = DEFAULT_MAX_PAGES,
    max_page_bytes: int = DEFAULT_MAX_PAGE_BYTES,
    policy: PackagePolicy | None = None,
    now: Callable[[], datetime] | None = None,
) -> MirrorReport:
    """Bring ``service`` up to date with the registry at ``source_url``; ``client`` carries the HTTP (its
    timeouts, proxies, or a ``MockTransport``); ``progress`` hears after every stored page. ``policy``: the
    package registries this registry accepts (default: the official ones), as a publish here would check them;
    ``now``: this machine's clock (tests pass their own)."""
    if not 1 <= page_size <= 100:
        raise UsageError(f"page size {page_size} is outside 1..100", hint="the registry API serves 1 to 100 per page")
    limits = _Limits(page_size, max_pages, max_page_bytes)
    clock = now or (lambda: datetime.now(UTC))
    with RegistryClient(source_url, client=client, max_response_bytes=max_page_bytes) as registry:
        return _mirror(registry, service, state, limits, progress, policy or PackagePolicy(), clock)


@dataclass(frozen=True)
class _Limits:
    page_size: int
    max_pages: int
    max_page_bytes: int


def _mirror(
    client: RegistryClient,
    service: RegistryService,
    state: MirrorState,
    limits: _Limits,
    progress: Callable[[MirrorProgress], None] | None,
    policy: PackagePolicy,
    clock: Callable[[], datetime],
) -> MirrorReport:
    source = client.registry
    latest_allowed = clock() + MAX_CLOCK_SKEW
    run = _Run(service, source, policy, latest_allowed)
    checkpoint = state.load(source)
    if _from_the_future(checkpoint, latest_allowed):
        run.notes.append(
            f"the saved checkpoint ({_shown(checkpoint.high_water or checkpoint.since)}) is later than this machine's"
            " clock: it was dropped and this run reads everything again (only rows that differ are written)"
        )
        checkpoint = MirrorCheckpoint()
    if checkpoint.cursor is None:  # a new pass, after the last one's newest row
        checkpoint = MirrorCheckpoint(since=checkpoint.high_water, cursor=None, high_water=checkpoint.high_water)
    params: dict[str, Any] = {"limit": limits.page_size}
    if checkpoint.since:
        params["updated_since"] = checkpoint.since
    else:
        params["include_deleted"] = True
    cursor = checkpoint.cursor
    cursors_seen = {cursor} if cursor else set()
    while True:
        entries, cursor = _page(client, cursor, params, limits, run.pages)
        run.import_page(entries)
        for name in _names_without_latest(entries):
            run.refetched += 1
            run.import_versions(client, name)
        if cursor is not None and cursor in cursors_seen:
            raise RegistryRequestError(
                f"{source} answered nextCursor {_shown(cursor)!r} a second time, after {run.pages + 1} page(s): its"
                " pagination loops, so the mirror stopped",
                hint="the rows read so far are stored; the source's pagination is broken: tell its operators",
            )
        if cursor is not None:
            cursors_seen.add(cursor)
        checkpoint = replace(checkpoint, cursor=cursor, high_water=_newest(checkpoint.high_water, run.newest))
        state.save(source, checkpoint)
        run.pages += 1
        if progress is not None:
            progress(MirrorProgress(run.pages, run.seen, run.changed))
        if cursor is None:
            break
        if run.pages >= limits.max_pages:
            raise RegistryRequestError(
                f"{source} still had more pages after {run.pages} page(s), the most one run reads (--max-pages"
                f" {limits.max_pages}); the mirror stopped there",
                hint="the rows read so far are stored and the next run continues where this one stopped; raise"
                " --max-pages if the source really is that large, else its pagination never ends: tell its operators",
            )
    return MirrorReport(
        source=source,
        pages=run.pages,
        seen=run.seen,
        changed=run.changed,
        cursor=None,
        updated_since=checkpoint.high_water,
        refetched=run.refetched,
        skipped=run.skipped,
        clamped=run.clamped,
        notes=run.notes,
    )


def _page(
    client: RegistryClient, cursor: str | None, params: Mapping[str, Any], limits: _Limits, pages: int
) -> tuple[list[dict[str, Any]], str | None]:
    """One list page's entries and the next page's cursor (None at the end: an empty page ends the pass whatever
    its metadata says), refused whole when it breaks the page bounds (it is not a registry's answer)."""
    source = client.registry
    try:
        page = client.list_servers(cursor=cursor, **params)
    except ResponseTooLargeError as error:
        raise RegistryRequestError(
            f"{source} answered page {pages + 1} with more than {limits.max_page_bytes / (1 << 20):g} MiB; the mirror"
            " stopped reading there",
            hint=f"lower --limit-per-page (now {limits.page_size}) or raise --max-page-mb (now"
            f" {limits.max_page_bytes / (1 << 20):g}); the rows read so far are stored",
        ) from error
    servers = page.get("servers") or []
    if not isinstance(servers, list) or len(servers) > limits.page_size:
        count = len(servers) if isinstance(servers, list) else "no list of"
        raise RegistryRequestError(
            f"{source} answered page {pages + 1} with {count} servers for limit={limits.page_size}; the mirror"
            " stopped there",
            hint="the source does not follow the registry API; tell its operators",
        )
    entries = [entry for entry in servers if isinstance(entry, dict)]
    metadata = page.get("metadata")
    found = metadata.get("nextCursor") if isinstance(metadata, dict) and entries else None
    if not found:
        return entries, None
    if not isinstance(found, str) or len(found) > _MAX_CURSOR:
        raise RegistryRequestError(
            f"{source} answered page {pages + 1} with a nextCursor that is not a string of at most {_MAX_CURSOR}"
            " characters; the mirror stopped there",
            hint="the source does not follow the registry API; tell its operators",
        )
    return entries, found


@dataclass
class _Run:
    service: RegistryService
    source: str
    policy: PackagePolicy
    latest_allowed: datetime
    pages: int = 0
    seen: int = 0
    changed: int = 0
    refetched: int = 0
    newest: str | None = None
    skipped: list[str] = field(default_factory=list)
    clamped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def import_page(self, entries: list[dict[str, Any]]) -> None:
        self.seen += len(entries)
        self.import_entries(entries)

    def import_versions(self, client: RegistryClient, name: str) -> None:
        try:
            versions = client.list_versions(name, include_deleted=True)
        except ResponseTooLargeError:
            self.skipped.append(f"{_shown(name)}: its versions list is larger than the page limit (--max-page-mb)")
            return
        if len(versions) > MAX_VERSIONS:
            self.skipped.append(f"{_shown(name)}: the source lists more than {MAX_VERSIONS} versions of it")
            return
        self.import_entries(versions)

    def import_entries(self, entries: list[dict[str, Any]]) -> None:
        for entry in entries:
            server = entry.get("server")
            meta = entry.get("_meta")
            official_wire = meta.get(OFFICIAL_META_KEY) if isinstance(meta, dict) else None
            label = (
                f"{_shown(server.get('name'))} {_shown(server.get('version'))}"
                if isinstance(server, dict)
                else "an entry"
            )
            if not isinstance(server, dict) or not isinstance(official_wire, dict):
                self.skipped.append(f"{label}: no server or no official _meta")
                continue
            refusal = hostile_content(entry, max_depth=MAX_ENTRY_DEPTH) or self._rule_errors(server, label)
            if refusal is not None:
                self.skipped.append(f"{label}: {_shown(refusal, 500)}")
                continue
            try:
                official = official_from_wire(official_wire)
                kept = _clamped(official, self.latest_allowed)
                changed = self.service.import_record(server, kept)
            except (ValueError, RegistryHTTPError, McpshipError) as error:
                self.skipped.append(f"{label}: {_shown(_reason(error), 500)}")
                continue
            updated = official_wire.get("updatedAt")
            if kept != official:
                self.clamped.append(f"{label}: timestamps after {format_timestamp(self.latest_allowed)} clamped to it")
                updated = format_timestamp(kept.updated_at)
            self.changed += changed
            self.newest = _newest(self.newest, updated)

    def _rule_errors(self, server: dict[str, Any], label: str) -> str | None:
        """What a publish here would refuse in ``server`` (422), as one line, or None."""
        problems = validate_server_json(server, source=f"{self.source} {label}", policy=self.policy)
        errors = [f"{p.path}: {p.message}" for p in problems if p.severity == "error"]
        if not errors:
            return None
        more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
        return "refused by the server.json rules a publish must pass: " + "; ".join(errors[:3]) + more


def _clamped(official: OfficialMeta, latest: datetime) -> OfficialMeta:
    return replace(
        official,
        published_at=min(official.published_at, latest),
        updated_at=min(official.updated_at, latest),
        status_changed_at=min(official.status_changed_at, latest),
    )


def _from_the_future(checkpoint: MirrorCheckpoint, latest: datetime) -> bool:
    for text in (checkpoint.since, checkpoint.high_water):
        if text is None:
            continue
        try:
            if _parse(text) > latest:
                return True
        except ValueError:
            return True  # unreadable: as untrustworthy
    return False


def _shown(value: object, limit: int = 200) -> str:
    """Text from the source, fit for a terminal line: control characters escaped, length bounded."""
    text = str(value)
    shown = "".join(char if char.isprintable() else repr(char)[1:-1] for char in text[:limit])
    return shown + ("…" if len(text) > limit else "")


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
