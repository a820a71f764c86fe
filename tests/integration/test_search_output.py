"""``mcpship search`` shows what a hostile registry returns without letting it act on the terminal."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest

from mcpship.cli.search_cmd import _row, _table
from mcpship.registry_client.client import SearchResult
from tests.conftest import SERVERS, free_port, json_result, run_mcpship, wait_for_port

HOSTILE = "\x1b]0;pwned\x07\x1b[2J\x1b]8;;https://evil.example/\x1b\\docs\x1b]8;;\x1b\\ \u202eexe.txt [/]"
VISIBLE = "\\x1b]0;pwned\\x07\\x1b[2J\\x1b]8;;https://evil.example/\\x1b\\docs\\x1b]8;;\\x1b\\ \\u202eexe.txt [/]"
ACTIVE = ("\x1b", "\x07", "\x9b", "\u202e")


def registry(*flags: str) -> Iterator[str]:
    port = free_port()
    server = subprocess.Popen([sys.executable, str(SERVERS / "hostile_registry.py"), str(port), *flags])
    try:
        wait_for_port(port, server)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.kill()
        server.wait(10)


@pytest.fixture(scope="module")
def hostile_registry() -> Iterator[str]:
    yield from registry()


@pytest.fixture
def refusing_registry() -> Iterator[str]:
    yield from registry("--refuse")


def test_each_result_is_one_tab_separated_line_with_no_escape_sequence(hostile_registry: str) -> None:
    result = run_mcpship("search", "evil", "--registry", hostile_registry)
    assert result.returncode == 0, result.stderr
    assert not any(character in result.stdout for character in ACTIVE)
    (line,) = result.stdout.splitlines()  # the newline in the description did not split the row
    name, version, description, packages = line.split("\t")  # nor did its tab add a column
    assert name == f"io.github.evil/{VISIBLE}"
    assert version == "1.0.0\\x9b2J"
    assert description == f"Line one\\twith a tab\\nline two {VISIBLE}"
    assert packages == "npm:evil\\x1b[31m"


def test_json_keeps_the_registrys_strings_exactly(hostile_registry: str) -> None:
    result = run_mcpship("search", "evil", "--json", "--registry", hostile_registry)
    assert result.returncode == 0, result.stderr
    assert not any(character in result.stdout for character in ACTIVE)  # all in JSON escapes
    server = json_result(result.stdout)["servers"][0]["server"]
    assert server["name"] == f"io.github.evil/{HOSTILE}"
    assert server["description"] == f"Line one\twith a tab\nline two {HOSTILE}"


def test_the_table_for_a_terminal_shows_markup_and_escapes_as_text(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "300")
    entry = {"server": {"name": f"evil{HOSTILE}", "version": "1", "description": "[bold]x[/bold] [/]", "packages": []}}
    _table([_row(entry)], SearchResult([entry], ranked=True), "http://registry.example")
    shown = capsys.readouterr().out
    assert not any(character in shown for character in ACTIVE)
    assert "[bold]x[/bold] [/]" in shown  # "[/]" as Rich markup would raise MarkupError


def test_a_registry_error_quoted_in_the_message_has_no_escape_sequence(refusing_registry: str) -> None:
    result = run_mcpship("search", "evil", "--registry", refusing_registry)
    assert result.returncode != 0
    assert "boom \\x1b]0;pwned\\x07" in result.stderr
    assert not any(character in result.stderr for character in ACTIVE)
