"""Starting a server in a session of its own, and discarding it (with its whole tree) however the block ends."""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from pathlib import Path

import pytest

from mcpship._exceptions import ServerStartError
from mcpship.probe.plan import StdioPlan
from mcpship.probe.reap import GRACE_SECONDS
from mcpship.probe.spawn import discard, owned, spawn
from tests.conftest import SERVERS

pytestmark = [
    pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc to see which processes live"),
    # Each test takes about a second. A slip (or a mutant) that makes a wait unbounded fails it here, not after the
    # suite's 180 s or a helper's 120 s.
    pytest.mark.timeout(20),
]

SHOWS = (
    "import json, os, sys\n"
    "print(json.dumps([os.getcwd(), os.environ.get('MCPSHIP_TEST_VALUE'), os.getsid(0), os.getpgid(0)]), flush=True)\n"
    "sys.stdin.read()\n"
)


def test_a_server_runs_in_its_folder_with_its_environment_in_a_session_of_its_own(tmp_path: Path) -> None:
    env = {**os.environ, "MCPSHIP_TEST_VALUE": "from the plan"}
    process = spawn(StdioPlan(argv=(sys.executable, "-c", SHOWS), env=env, cwd=tmp_path, label="test"))
    with owned(process):
        assert process.stdin is not None
        assert process.stdout is not None
        assert process.stderr is not None
        cwd, value, session, group = json.loads(process.stdout.readline())
    assert cwd == str(tmp_path)
    assert value == "from the plan"
    assert session == group == process.pid  # the leader of its own session and process group


def test_a_command_that_does_not_exist_is_refused_with_a_hint(tmp_path: Path) -> None:
    missing = str(tmp_path / "no-such-server")
    with pytest.raises(ServerStartError) as raised:
        spawn(StdioPlan(argv=(missing, "--flag"), env=dict(os.environ), label="examples/missing"))
    assert raised.value.message == (
        f"could not start the server (examples/missing): {missing}: No such file or directory"
    )
    assert raised.value.hint == "check that the command exists and is executable"


def test_a_server_owned_by_a_block_is_stopped_at_once_when_the_block_is_interrupted(pidfile: Path) -> None:
    argv = (sys.executable, str(SERVERS / "process_tree.py"), str(pidfile), "--linger", "30")
    process = spawn(StdioPlan(argv=argv, env=dict(os.environ), label="test"))
    began = 0.0

    def interrupted() -> None:
        nonlocal began
        with owned(process) as same:
            assert same is process
            deadline = time.monotonic() + 30
            while not pidfile.exists():
                assert time.monotonic() < deadline, "the test server never started"
                time.sleep(0.02)
            began = time.monotonic()
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        interrupted()
    assert process.returncode == -signal.SIGTERM  # it would have lingered 30 s after its stdin closed
    assert time.monotonic() - began < GRACE_SECONDS - 0.2  # no grace for a clean exit
    assert all(pipe is not None and pipe.closed for pipe in (process.stdin, process.stdout, process.stderr))


def test_discarding_a_server_that_already_exited_closes_our_pipe_ends() -> None:
    process = spawn(StdioPlan(argv=(sys.executable, "-c", ""), env=dict(os.environ), label="test"))
    process.wait(30)
    discard(process)
    assert process.returncode == 0
    assert all(pipe is not None and pipe.closed for pipe in (process.stdin, process.stdout, process.stderr))
