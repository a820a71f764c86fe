"""``mcpship registry mirror`` from a real HTTP source that misbehaves on purpose: pages without end, a cursor that
comes back, a page of a gigabyte, timestamps from the future. Each run ends (exit 11 with the reason, or 0),
with its memory measured, and what it stored can be served."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from mcpship.cli import main
from mcpship.registry.mirror import MirrorStateFile, state_file_for
from mcpship.registry.records import OFFICIAL_META_KEY
from mcpship.registry.service import SqlRegistry
from tests.conftest import json_result, mcpship_executable
from tests.peak_memory import run_measured
from tests.registry_support.hostile_http import Answer, HostileServer, running_hostile_server, zeros

pytestmark = pytest.mark.timeout(120)

SCHEMA = "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json"
PEAK_RSS_LIMIT = 300 << 20


def entry(name: str, updated: str = "2026-01-01T00:00:00Z") -> dict[str, Any]:
    server = {"$schema": SCHEMA, "name": name, "description": "A server.", "version": "1.0.0"}
    official = {"status": "active", "publishedAt": "2026-01-01T00:00:00Z", "updatedAt": updated, "isLatest": True}
    return {"server": server, "_meta": {OFFICIAL_META_KEY: official}}


def page(servers: list[dict[str, Any]], cursor: str | None) -> Answer:
    body = json.dumps({"servers": servers, "metadata": {"count": len(servers), "nextCursor": cursor}}).encode()
    return Answer(headers={"Content-Type": "application/json"}, body=lambda: [body])


def cursor_of(path: str) -> int:
    return int(parse_qs(urlsplit(path).query).get("cursor", ["0"])[0])


@pytest.fixture
def source() -> Iterator[HostileServer]:
    with running_hostile_server() as server:
        yield server


def run_mirror(source: HostileServer, database: str, *flags: str) -> tuple[int, str, str, int]:
    """The CLI in a child (through a tiny parent that reports the child's peak RSS): code, stdout, stderr, bytes."""
    command = [mcpship_executable(), "registry", "mirror", "--from", source.url, "--db", database, *flags]
    done = run_measured(command, timeout=90)
    return done.returncode, done.stdout, done.stderr, done.peak_kib * 1024


def test_a_source_with_endless_new_cursors_stops_at_the_page_cap(source: HostileServer, tmp_path: Path) -> None:
    source.routes["/v0.1/servers"] = lambda path: page(
        [entry(f"com.example/endless-{cursor_of(path)}")], str(cursor_of(path) + 1)
    )
    database = f"sqlite:///{tmp_path / 'm.db'}"

    code, _, stderr, peak = run_mirror(source, database, "--max-pages", "25")

    assert code == 12, stderr
    assert (
        f"error: {source.url} still had more pages after 25 page(s), the most one run reads (--max-pages 25); the"
        " mirror stopped there"
    ) in stderr
    assert "raise --max-pages" in stderr
    assert "Traceback" not in stderr
    assert len(source.requests) == 25
    assert MirrorStateFile(state_file_for(database)).load(source.url).cursor == "25"
    assert peak < PEAK_RSS_LIMIT


def test_a_source_whose_cursor_comes_back_stops_when_it_does(source: HostileServer, tmp_path: Path) -> None:
    source.routes["/v0.1/servers"] = lambda path: page([entry(f"com.example/loop-{cursor_of(path)}")], "7")

    code, _, stderr, _ = run_mirror(source, f"sqlite:///{tmp_path / 'm.db'}")

    assert code == 12, stderr
    assert f"error: {source.url} answered nextCursor '7' a second time, after 2 page(s)" in stderr
    assert len(source.requests) == 2


def test_a_page_of_a_gigabyte_is_cut_at_the_page_cap_in_bounded_memory(source: HostileServer, tmp_path: Path) -> None:
    source.answers["/v0.1/servers"] = Answer(headers={"Content-Type": "application/json"}, body=zeros(1 << 30))

    code, _, stderr, peak = run_mirror(source, f"sqlite:///{tmp_path / 'm.db'}", "--max-page-mb", "4")

    assert code == 12, stderr
    assert f"error: {source.url} answered page 1 with more than 4 MiB; the mirror stopped reading there" in stderr
    assert "lower --limit-per-page (now 100) or raise --max-page-mb (now 4)" in stderr
    assert source.bytes_sent < 64 << 20
    assert peak < PEAK_RSS_LIMIT


def test_a_row_from_the_future_is_kept_with_its_time_clamped_and_the_next_run_asks_from_real_time(
    source: HostileServer, tmp_path: Path
) -> None:
    database = f"sqlite:///{tmp_path / 'm.db'}"
    source.routes["/v0.1/servers"] = lambda path: page([entry("com.example/future", "9999-12-31T23:59:59Z")], None)

    code, stdout, stderr, _ = run_mirror(source, database, "--json")

    assert code == 0, stderr
    report = json_result(stdout)
    assert report["changed"] == 1
    [clamped] = report["clamped"]
    assert clamped.startswith("com.example/future 1.0.0: timestamps after ")
    high_water = MirrorStateFile(state_file_for(database)).load(source.url).high_water
    assert high_water is not None
    assert high_water < "2100"
    with SqlRegistry.open(database) as service:
        stored = service.get_version("com.example/future", "1.0.0")
    assert stored is not None
    assert stored.official.updated_at.year < 2100

    source.routes["/v0.1/servers"] = lambda path: page([entry("com.example/later", "2026-02-01T00:00:00Z")], None)
    source.reset()
    code, _, stderr, _ = run_mirror(source, database, "--json")
    assert code == 0, stderr
    assert parse_qs(urlsplit(source.requests[0]).query)["updated_since"] == [high_water]  # not 9999: rows still come


def test_the_package_registries_given_to_the_mirror_decide_which_entries_pass(
    source: HostileServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    private = entry("com.example/private")
    private["server"]["packages"] = [
        {"registryType": "npm", "identifier": "tiny", "version": "1.0.0", "transport": {"type": "stdio"},
         "registryBaseUrl": "http://127.0.0.1:4873"}
    ]  # fmt: skip
    source.routes["/v0.1/servers"] = lambda path: page([private], None)
    database = f"sqlite:///{tmp_path / 'm.db'}"
    command = ["registry", "mirror", "--from", source.url, "--db", database, "--json"]

    assert main(command) == 0
    refused = json_result(capsys.readouterr().out)
    assert refused["changed"] == 0
    [reason] = refused["skipped"]
    assert reason.startswith("com.example/private 1.0.0: refused by the server.json rules a publish must pass: ")

    assert main([*command, "--npm-url", "http://127.0.0.1:4873"]) == 0
    assert json_result(capsys.readouterr().out)["changed"] == 1
