"""A mirror source is someone else's server: endless or looping cursors, oversized pages, timestamps from the
future and entries a publish would refuse, over MockTransport into a real SQLite store."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from mcpship._exceptions import UsageError
from mcpship.registry.mirror import MAX_CLOCK_SKEW, MirrorCheckpoint, MirrorReport, MirrorStateFile, mirror_registry
from mcpship.registry.records import OFFICIAL_META_KEY
from mcpship.registry.service import SqlRegistry
from mcpship.registry_client.client import RegistryRequestError
from mcpship.server_json import validate_server_json

SOURCE = "https://source.example"
SCHEMA = "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json"
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
PAST = "2026-02-01T00:00:00Z"

Page = Callable[[httpx.QueryParams], dict[str, Any] | str]


def entry(name: str, version: str = "1.0.0", updated: str = PAST, **server: Any) -> dict[str, Any]:
    document = {"$schema": SCHEMA, "name": name, "description": "A server.", "version": version, **server}
    official = {"status": "active", "publishedAt": PAST, "updatedAt": updated, "isLatest": True}
    return {"server": document, "_meta": {OFFICIAL_META_KEY: official}}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqlRegistry]:
    with SqlRegistry.open(f"sqlite:///{tmp_path / 'mirror.db'}") as service:
        yield service


@pytest.fixture
def state(tmp_path: Path) -> MirrorStateFile:
    return MirrorStateFile(tmp_path / "state.json")


def mirror(
    store: SqlRegistry, state: MirrorStateFile, page: Page, requests: list[httpx.Request] | None = None, **options: Any
) -> MirrorReport:
    def handle(request: httpx.Request) -> httpx.Response:
        if requests is not None:
            requests.append(request)
        if not request.url.path.endswith("/servers"):
            return httpx.Response(404)
        body = page(request.url.params)
        return httpx.Response(200, text=body if isinstance(body, str) else json.dumps(body))

    with httpx.Client(transport=httpx.MockTransport(handle)) as client:
        return mirror_registry(SOURCE, store, client=client, state=state, now=lambda: NOW, **options)


def endless(params: httpx.QueryParams) -> dict[str, Any]:
    n = int(params.get("cursor") or 0)
    return {"servers": [entry(f"com.example/s{n}")], "metadata": {"nextCursor": str(n + 1)}}


def test_a_source_that_always_has_a_next_page_stops_at_the_page_cap_and_resumes_there(
    store: SqlRegistry, state: MirrorStateFile
) -> None:
    with pytest.raises(RegistryRequestError) as stopped:
        mirror(store, state, endless, max_pages=5)

    assert stopped.value.message == (
        f"{SOURCE} still had more pages after 5 page(s), the most one run reads (--max-pages 5); the mirror stopped"
        " there"
    )
    assert "raise --max-pages" in (stopped.value.hint or "")
    assert state.load(SOURCE).cursor == "5"
    requests: list[httpx.Request] = []
    with pytest.raises(RegistryRequestError):
        mirror(store, state, endless, requests, max_pages=2)
    assert requests[0].url.params["cursor"] == "5"


def test_a_cursor_seen_before_stops_the_run(store: SqlRegistry, state: MirrorStateFile) -> None:
    def cycle(params: httpx.QueryParams) -> dict[str, Any]:
        n = int(params.get("cursor") or 0)
        return {"servers": [entry(f"com.example/c{n}")], "metadata": {"nextCursor": str((n + 1) % 3)}}

    with pytest.raises(RegistryRequestError) as stopped:
        mirror(store, state, cycle)

    assert stopped.value.message == (
        f"{SOURCE} answered nextCursor '1' a second time, after 4 page(s): its pagination loops, so the mirror stopped"
    )


def test_a_page_with_more_servers_than_asked_for_is_refused(store: SqlRegistry, state: MirrorStateFile) -> None:
    def flood(params: httpx.QueryParams) -> dict[str, Any]:
        return {"servers": [entry(f"com.example/f{n}") for n in range(11)], "metadata": {}}

    with pytest.raises(RegistryRequestError, match=r"answered page 1 with 11 servers for limit=10"):
        mirror(store, state, flood, page_size=10)


def test_a_page_larger_than_the_byte_cap_is_refused_with_the_flags_that_help(
    store: SqlRegistry, state: MirrorStateFile
) -> None:
    def huge(params: httpx.QueryParams) -> dict[str, Any]:
        return {"servers": [entry("com.example/big", description="x" * 100)] * 50, "metadata": {}}

    with pytest.raises(RegistryRequestError) as stopped:
        mirror(store, state, huge, max_page_bytes=4096)

    assert stopped.value.message == (
        f"{SOURCE} answered page 1 with more than {4096 / (1 << 20):g} MiB; the mirror stopped reading there"
    )
    assert "lower --limit-per-page (now 100) or raise --max-page-mb" in (stopped.value.hint or "")


def test_a_future_updated_at_is_stored_clamped_and_cannot_poison_the_checkpoint(
    store: SqlRegistry, state: MirrorStateFile
) -> None:
    def future(params: httpx.QueryParams) -> dict[str, Any]:
        return {"servers": [entry("com.example/time", updated="9999-12-31T23:59:59Z")], "metadata": {}}

    report = mirror(store, state, future)

    limit = NOW + MAX_CLOCK_SKEW
    assert report.changed == 1
    assert report.clamped == ["com.example/time 1.0.0: timestamps after 2026-03-01T12:05:00Z clamped to it"]
    stored = store.get_version("com.example/time", "1.0.0")
    assert stored is not None
    assert stored.official.updated_at == limit
    assert state.load(SOURCE).high_water == "2026-03-01T12:05:00Z"
    requests: list[httpx.Request] = []
    mirror(store, state, lambda params: {"servers": [], "metadata": {}}, requests)
    assert requests[0].url.params["updated_since"] == "2026-03-01T12:05:00Z"  # not 9999: later rows still come


def test_timestamps_within_the_skew_are_kept_as_the_source_wrote_them(
    store: SqlRegistry, state: MirrorStateFile
) -> None:
    soon = "2026-03-01T12:04:00Z"
    report = mirror(store, state, lambda params: {"servers": [entry("com.example/soon", updated=soon)]})
    assert report.clamped == []
    assert state.load(SOURCE).high_water == soon


def test_a_saved_checkpoint_from_the_future_is_dropped_and_everything_read_again(
    store: SqlRegistry, state: MirrorStateFile
) -> None:
    state.save(SOURCE, MirrorCheckpoint(since=None, cursor=None, high_water="9999-01-01T00:00:00Z"))
    requests: list[httpx.Request] = []

    report = mirror(store, state, lambda params: {"servers": [entry("com.example/again")]}, requests)

    assert "include_deleted" in requests[0].url.params
    assert "updated_since" not in requests[0].url.params
    assert report.notes == [
        "the saved checkpoint (9999-01-01T00:00:00Z) is later than this machine's clock: it was dropped and this run"
        " reads everything again (only rows that differ are written)"
    ]
    assert state.load(SOURCE).high_water == PAST


def nested_page(depth: int) -> str:
    deep = json.dumps(entry("com.example/deep"))[:-1] + ', "x": ' + "[" * depth + "]" * depth + "}"
    return '{"servers": [' + json.dumps(entry("com.example/ok")) + ", " + deep + '], "metadata": {}}'


def test_an_entry_nested_hundreds_deep_is_skipped_alone(store: SqlRegistry, state: MirrorStateFile) -> None:
    report = mirror(store, state, lambda params: nested_page(400))
    assert report.skipped == ["com.example/deep 1.0.0: JSON nested deeper than 64 levels"]
    assert store.get_version("com.example/ok", "1.0.0") is not None


@pytest.mark.parametrize("depth", [600, 100_000])
def test_a_page_nested_past_512_levels_stops_the_run_without_recursing(
    store: SqlRegistry, state: MirrorStateFile, depth: int
) -> None:
    with pytest.raises(RegistryRequestError, match="not a JSON object"):
        mirror(store, state, lambda params: nested_page(depth))
    assert store.get_version("com.example/ok", "1.0.0") is None


@pytest.mark.parametrize("content", [b"[" * 100_000, b"{not json", b'{"sources": NaN}'])
def test_a_damaged_checkpoint_file_is_a_usage_error_with_the_fix(state: MirrorStateFile, content: bytes) -> None:
    state.path.write_bytes(content)
    with pytest.raises(UsageError, match="cannot read the mirror state") as caught:
        state.load(SOURCE)
    assert caught.value.hint is not None
    assert "delete it" in caught.value.hint


HOSTILE_PAGE = (
    '{"servers": ['
    + json.dumps(entry("com.example/ok"))
    + ","
    + json.dumps(entry("com.example/nan")).replace('"isLatest": true', '"isLatest": true, "n": NaN')
    + ","
    + json.dumps(entry("com.example/huge-number", title="x")).replace('"title": "x"', '"title": "x", "n": 1e999')
    + ","
    + json.dumps(entry("com.example/surrogate", title="x")).replace('"title": "x"', '"title": "\\ud800"')
    + ","
    + json.dumps(entry("com.example/deep", title="x")).replace('"title": "x"', '"x": ' + "[" * 80 + "]" * 80)
    + ","
    + json.dumps(entry("com.example/\x1b]0;pwned\x07"))
    + ","
    + json.dumps(entry("no-namespace"))
    + ","
    + json.dumps(entry("com.example/status")).replace('"status": "active"', '"status": ["active"]')
    + ","
    + json.dumps(entry("com.example/message")).replace('"status": "active"', '"statusMessage": "' + "m" * 501 + '"')
    + '], "metadata": {}}'
)


def test_entries_a_publish_would_refuse_are_skipped_with_the_reason_and_the_rest_stored(
    store: SqlRegistry, state: MirrorStateFile
) -> None:
    report = mirror(store, state, lambda params: HOSTILE_PAGE)

    assert report.changed == 1
    assert store.get_version("com.example/ok", "1.0.0") is not None
    reasons = dict(line.split(": ", 1) for line in report.skipped)
    assert reasons["com.example/nan 1.0.0"] == "a number is not finite (NaN or Infinity is not JSON)"
    assert reasons["com.example/huge-number 1.0.0"] == "a number is not finite (NaN or Infinity is not JSON)"
    assert reasons["com.example/surrogate 1.0.0"] == "a string holds a lone UTF-16 surrogate (not Unicode text)"
    assert reasons["com.example/deep 1.0.0"] == "JSON nested deeper than 64 levels"
    assert reasons["no-namespace 1.0.0"].startswith("refused by the server.json rules a publish must pass: $.name: ")
    assert reasons["com.example/status 1.0.0"] == "unknown status ['active']"
    assert reasons["com.example/message 1.0.0"].startswith("statusMessage is longer than 500 characters")
    assert "com.example/\\x1b]0;pwned\\x07 1.0.0" in reasons  # escaped for the terminal it is printed on
    assert not any("\x1b" in line for line in report.skipped)


def npm_package(**extra: Any) -> dict[str, Any]:
    return {"registryType": "npm", "identifier": "x", "version": "1.0.0", "transport": {"type": "stdio"}, **extra}


@pytest.mark.parametrize(
    "server",
    [
        {"packages": [npm_package(environmentVariables=[{"name": "A; touch /tmp/pwned; B"}])]},
        {"packages": [npm_package(registryBaseUrl="https://evil.example")]},
        {"remotes": [{"type": "streamable-http", "url": "http://localhost:8080/mcp"}]},
        {"version": "1.0.0\x00"},
    ],
)
def test_the_mirror_refuses_exactly_what_the_publish_rules_refuse(
    store: SqlRegistry, state: MirrorStateFile, server: dict[str, Any]
) -> None:
    """The oracle is the validator a publish runs: whatever rules it has (now or later), the mirror applies them."""
    row = entry("com.example/rules", **server)
    refused = any(p.severity == "error" for p in validate_server_json(row["server"], source="test"))

    report = mirror(store, state, lambda params: {"servers": [row]})

    assert (report.changed == 0) is refused
    assert len(report.skipped) == int(refused)
