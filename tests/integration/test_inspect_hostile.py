"""``mcpship inspect`` against hostile servers (issue 12, item 6): real processes that keep pipes open, flood
stdout, paginate forever or write terminal escape sequences. Each test reproduces the attack and shows the
fix: the deadline holds, no process is left, memory stays bounded, the terminal gets no escape byte."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mcpship import inspect_server
from mcpship._exceptions import ProtocolViolationError
from mcpship.probe import ProbeLimits
from tests.conftest import (
    SERVERS,
    alive,
    assert_clean_error,
    free_port,
    json_result,
    mcpship_executable,
    run_mcpship,
    wait_for_port,
)
from tests.peak_memory import run_cli_measured

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc to see which processes live")

TITLE = "\x1b]0;pwned\x07"
CLEAR = "\x1b[2J"
LINK = "\x1b]8;;https://evil.example/\x1b\\https://docs.example/\x1b]8;;\x1b\\"
MEMORY_LIMIT_KIB = 300 * 1024
# The kill sequence's worst case is three 2 s grace periods; the rest is slack for a loaded 2-core machine.
KILL_AND_SLACK_SECONDS = 10.0


def lingering(pidfile: Path, *flags: str) -> list[str]:
    return [sys.executable, str(SERVERS / "lingering_grandchild.py"), str(pidfile), *flags]


@pytest.mark.parametrize("flags", [(), ("--own-session",)], ids=["same-group", "own-session"])
def test_a_child_holding_stdout_neither_delays_the_timeout_nor_outlives_inspect(
    pidfile: Path, flags: tuple[str, ...]
) -> None:
    started = time.monotonic()
    result = run_mcpship("inspect", "--timeout", "2", "--", *lingering(pidfile, *flags))
    elapsed = time.monotonic() - started
    assert_clean_error(result, 5)
    assert "did not answer within 2 s" in result.stderr
    assert elapsed < 2 + KILL_AND_SLACK_SECONDS, elapsed  # was 45 s: a reader thread waited for the child's EOF
    assert not alive(int(pidfile.read_text(encoding="utf-8")))  # it ignored SIGTERM; SIGKILL reached it


def test_a_server_that_exits_leaving_its_stdout_to_a_child_times_out_and_says_so(pidfile: Path) -> None:
    result = run_mcpship("inspect", "--timeout", "2", "--", *lingering(pidfile, "--own-session", "--exit"))
    assert_clean_error(result, 5)
    assert "exited with code 0, but a process it started kept its stdout open" in result.stderr
    assert not alive(int(pidfile.read_text(encoding="utf-8")))


def test_a_child_of_a_server_that_answered_is_stopped_with_it(pidfile: Path) -> None:
    snapshot = inspect_server(None, lingering(pidfile, "--serve"), timeout=30)
    assert len(snapshot.tools) == 25
    assert not alive(int(pidfile.read_text(encoding="utf-8")))


def test_interrupting_inspect_stops_the_whole_server_tree(pidfile: Path) -> None:
    command = [mcpship_executable(), "inspect", "--timeout", "120", "--", *lingering(pidfile, "--own-session")]
    # As from a terminal: SIGINT at its default even when the test run itself was started in the background (a
    # non-interactive shell's `cmd &` ignores SIGINT, and an ignored signal stays ignored across exec).
    as_from_a_terminal = (
        "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execv(sys.argv[1], sys.argv[1:])"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", as_from_a_terminal, *command], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 60
        while not pidfile.with_suffix(".asked").exists():  # the session is under way: interrupt that
            assert time.monotonic() < deadline, "inspect never sent the test server a request"
            time.sleep(0.05)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=30)
    finally:
        process.kill()
        process.wait(10)
        for pipe in (process.stdout, process.stderr):  # even when the wait above timed out: no fd left to GC
            if pipe is not None:
                pipe.close()
    assert process.returncode == 130, stderr
    assert not alive(int(pidfile.read_text(encoding="utf-8")))


def test_a_100_mib_line_on_stdout_is_refused_in_bounded_memory() -> None:
    server = (sys.executable, str(SERVERS / "floods_stdout.py"), "long-line", "100")
    result = run_cli_measured("inspect", "--", *server)
    assert_clean_error(result, 5)
    assert "wrote a line on stdout longer than 4 MiB (4,194,304 bytes), the limit for one MCP message" in result.stderr
    assert "--max-message-mib" in result.stderr
    assert result.peak_kib < MEMORY_LIMIT_KIB  # was 383 MB


def test_a_message_of_a_million_json_values_is_refused_before_it_is_parsed() -> None:
    result = run_cli_measured("inspect", "--", sys.executable, str(SERVERS / "floods_stdout.py"), "many-values")
    assert_clean_error(result, 5)
    assert "sent more than 250,000 JSON values in one inspection" in result.stderr
    assert result.peak_kib < MEMORY_LIMIT_KIB  # parsed, these 3.9 MiB would take about 500 MB


def test_max_message_mib_admits_a_larger_answer_from_a_trusted_server() -> None:
    command = ("--", sys.executable, str(SERVERS / "floods_stdout.py"), "big-answer", "5")
    refused = run_mcpship("inspect", "--json", *command)
    assert_clean_error(refused, 5)
    admitted = run_mcpship("inspect", "--json", "--max-message-mib", "8", *command)
    assert admitted.returncode == 0, admitted.stderr
    assert len(json_result(admitted.stdout)["instructions"]) == 5 * 1024 * 1024


def test_pagination_that_never_ends_stops_at_the_page_limit() -> None:
    with pytest.raises(ProtocolViolationError, match="still returned a next cursor for tools after 20 pages"):
        inspect_server(
            None,
            [sys.executable, str(SERVERS / "paginates_forever.py"), "new-cursor"],
            limits=ProbeLimits(max_pages=20),
            timeout=60,
        )


def test_pagination_that_never_ends_stops_at_the_item_limit() -> None:
    with pytest.raises(ProtocolViolationError, match="listed more than 30 tools"):
        inspect_server(
            None,
            [sys.executable, str(SERVERS / "paginates_forever.py"), "new-cursor"],
            limits=ProbeLimits(max_items=30),
            timeout=60,
        )


def test_a_cursor_seen_before_stops_pagination_at_once() -> None:
    result = run_mcpship("inspect", "--", sys.executable, str(SERVERS / "paginates_forever.py"), "same-cursor")
    assert_clean_error(result, 5)
    assert "returned the tools cursor '1' a second time: its pagination loops" in result.stderr


def test_escape_sequences_from_a_server_reach_the_terminal_only_as_visible_text() -> None:
    result = run_mcpship("inspect", "--", sys.executable, str(SERVERS / "hostile_text.py"))
    assert result.returncode == 0, result.stderr  # "[/]" in a description is not Rich markup (was MarkupError)
    assert "\x1b" not in result.stdout + result.stderr
    assert "\x9b" not in result.stdout  # the 8-bit form of CSI
    assert "\u202e" not in result.stdout  # a right-to-left override
    assert "evil\\x1b]0;pwned\\x07" in result.stdout
    assert "[bold red]not markup[/] [/]" in result.stdout


def test_json_output_keeps_the_servers_strings_exactly() -> None:
    result = run_mcpship("inspect", "--json", "--", sys.executable, str(SERVERS / "hostile_text.py"))
    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout  # JSON escapes it: \u001b
    data = json_result(result.stdout)
    tool = data["tools"][0]
    assert tool["name"] == f"evil{TITLE}{CLEAR}"
    assert tool["description"].startswith(f"Reads {LINK} \u202eexe.txt")
    assert data["resources"][0]["name"] == f"res{LINK}"


def test_a_stderr_tail_quoted_in_an_error_carries_no_escape_sequence() -> None:
    result = run_mcpship("inspect", "--", sys.executable, str(SERVERS / "hostile_text.py"), "--crash")
    assert_clean_error(result, 5)
    assert "exited with code 3" in result.stderr
    assert "\x1b" not in result.stderr
    assert "fatal: \\x1b]0;pwned\\x07\\x1b[2Jconfig missing" in result.stderr


@pytest.mark.parametrize("flags", [(), ("--gzip",)], ids=["identity", "gzip"])
def test_an_http_server_sending_100_mib_is_cut_off_in_bounded_memory(flags: tuple[str, ...]) -> None:
    port = free_port()
    server = subprocess.Popen([sys.executable, str(SERVERS / "floods_http.py"), str(port), *flags])
    try:
        wait_for_port(port, server)
        result = run_cli_measured("inspect", "--timeout", "60", f"http://127.0.0.1:{port}/mcp")
    finally:
        server.kill()
        server.wait(10)
    assert_clean_error(result, 5)
    if flags:
        assert "answered with a gzip-compressed body although mcpship asked for none" in result.stderr
    else:
        assert "sent an HTTP response body longer than 4 MiB" in result.stderr
    assert result.peak_kib < MEMORY_LIMIT_KIB
