"""Stopping a server's whole process tree, with real processes (no MCP involved)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mcpship.probe.plan import StdioPlan
from mcpship.probe.reap import stop_process_tree
from mcpship.probe.spawn import discard, spawn
from tests.conftest import SERVERS, alive

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc to see which processes live")

# A proper daemon: double-forked (its parent exits, so it is nobody's descendant), in a session of its own, its
# stdio pointed elsewhere. Nothing ties it to the server any more; it is not mcpship's to kill.
_SLEEPER = "import time; time.sleep(120)"
_FORKER = (
    "import subprocess, sys\n"
    f"child = subprocess.Popen([sys.executable, '-c', {_SLEEPER!r}], start_new_session=True,\n"
    "    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
    "print(child.pid)\n"
)
_DAEMONIZING_SERVER = (  # writes the daemon's pid only once its parent, the forker, has exited
    "import subprocess, sys\n"
    f"forked = subprocess.run([sys.executable, '-c', {_FORKER!r}], capture_output=True, text=True, check=True)\n"
    "open(sys.argv[1], 'w').write(forked.stdout.strip())\n"
    "sys.stdin.read()\n"
)


def started(argv: list[str], pidfile: Path) -> tuple[subprocess.Popen[bytes], int]:
    process = spawn(StdioPlan(argv=tuple(argv), env=dict(os.environ), label="test"))
    deadline = time.monotonic() + 30
    while not pidfile.exists() or not pidfile.read_text(encoding="utf-8"):
        assert time.monotonic() < deadline, "the test server never started its child"
        time.sleep(0.02)
    return process, int(pidfile.read_text(encoding="utf-8"))


def test_a_child_that_left_the_session_but_holds_a_pipe_is_killed(pidfile: Path) -> None:
    server = [sys.executable, str(SERVERS / "lingering_grandchild.py"), str(pidfile), "--own-session"]
    process, child = started(server, pidfile)
    began = time.monotonic()
    stop_process_tree(process, polite=False, grace=1.0)
    assert not alive(child)  # it ignores SIGTERM, is in no group of the server's: only its pipe gave it away
    assert not alive(process.pid)
    assert time.monotonic() - began < 3 * 1.0 + 2  # three grace periods at most, plus the /proc scans
    discard(process)


def test_stopping_again_does_nothing(pidfile: Path) -> None:
    process, _ = started([sys.executable, str(SERVERS / "lingering_grandchild.py"), str(pidfile)], pidfile)
    code = stop_process_tree(process, grace=1.0)
    began = time.monotonic()
    assert stop_process_tree(process, grace=1.0) == code
    assert time.monotonic() - began < 0.5
    discard(process)


def test_a_daemon_that_left_the_session_and_holds_no_pipe_is_not_touched(pidfile: Path) -> None:
    process, daemon = started([sys.executable, "-c", _DAEMONIZING_SERVER, str(pidfile)], pidfile)
    discard(process)
    assert not alive(process.pid)
    assert alive(daemon)  # mcpship never kills what is not the server's
