"""Stopping a server's whole process tree, with real processes (no MCP involved).

Most servers here come from ``tests/servers/process_tree.py``: it leaves a helper that ignores SIGTERM wherever a
real server's child can end up (its process group, its session, a session of its own, holding its stdout), so
each test shows which tie the stop follows. Grace periods are short (``GRACE``): a test waits for them only
where a process ignores SIGTERM.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from mcpship.probe import reap
from mcpship.probe.plan import StdioPlan
from mcpship.probe.reap import GRACE_SECONDS, ServerPipes, server_pipes, stop_process_tree
from mcpship.probe.spawn import discard, spawn
from tests.conftest import SERVERS, alive

pytestmark = [
    pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc to see which processes live"),
    # Each test takes about a second. A slip (or a mutant) that makes a wait unbounded fails it here, not after the
    # suite's 180 s or a helper's 120 s.
    pytest.mark.timeout(20),
]

GRACE = 0.2
# Generous for a loaded 2-core machine, and still far below the waits a lost SIGKILL or grace would cost.
SLACK = 1.5

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
    stop_process_tree(process, polite=False, grace=GRACE)
    assert not alive(child)  # it ignores SIGTERM, is in no group of the server's: only its pipe gave it away
    assert not alive(process.pid)
    assert time.monotonic() - began < 3 * GRACE + SLACK  # three grace periods at most, plus the /proc scans
    discard(process)


def test_stopping_again_does_nothing(pidfile: Path) -> None:
    process, _ = started([sys.executable, str(SERVERS / "lingering_grandchild.py"), str(pidfile)], pidfile)
    code = stop_process_tree(process, grace=GRACE)
    began = time.monotonic()
    assert stop_process_tree(process, grace=GRACE) == code
    assert time.monotonic() - began < 0.5
    discard(process)


def test_a_daemon_that_left_the_session_and_holds_no_pipe_is_not_touched(pidfile: Path) -> None:
    process, daemon = started([sys.executable, "-c", _DAEMONIZING_SERVER, str(pidfile)], pidfile)
    discard(process)
    assert not alive(process.pid)
    assert alive(daemon)  # mcpship never kills what is not the server's


SIGTERM_SENT = "sending SIGTERM to the server's process group and {} process(es) of its tree"
SIGKILL_SENT = "sending SIGKILL to the server's process group and {} process(es) of its tree"
SURVIVED = "some of the server's processes survived SIGKILL (another user's, or stuck in the kernel)"


def tree(pidfile: Path, *flags: str) -> list[str]:
    return [sys.executable, str(SERVERS / "process_tree.py"), str(pidfile), *flags]


@pytest.fixture
def server(pidfile: Path) -> Iterator[Callable[..., tuple[subprocess.Popen[bytes], int]]]:
    """Start ``process_tree.py`` with the given flags; return the process and the pid it wrote (once ready)."""
    processes: list[subprocess.Popen[bytes]] = []

    def start(*flags: str) -> tuple[subprocess.Popen[bytes], int]:
        process, pid = started(tree(pidfile, *flags), pidfile)
        processes.append(process)
        return process, pid

    yield start
    for process in processes:
        discard(process)


def stop(process: subprocess.Popen[bytes], **options: Any) -> tuple[int | None, list[str], float]:
    """Stop the tree with a short grace; its exit code, what it said with -v, and how long it took."""
    said: list[str] = []
    began = time.monotonic()
    code = stop_process_tree(process, debug=said.append, **{"grace": GRACE, **options})
    return code, said, time.monotonic() - began


def start_time(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_bytes().rpartition(b")")[2].split()[19])


def open_fds() -> set[str]:
    return {entry.name for entry in Path("/proc/self/fd").iterdir()}


# -- the kill sequence ----------------------------------------------------------------------------------------------


def test_the_grace_period_is_two_seconds_by_default() -> None:
    assert GRACE_SECONDS == 2.0


def test_a_server_that_ignores_sigterm_and_stdin_eof_is_killed_with_sigkill(server: Any) -> None:
    process, pid = server("--ignore-term")
    assert pid == process.pid
    code, said, took = stop(process)
    assert code == -signal.SIGKILL
    assert not alive(process.pid)
    assert said == [SIGTERM_SENT.format(1), SIGKILL_SENT.format(1)]
    assert took < 3 * GRACE + SLACK  # the polite wait, the SIGTERM wait, then SIGKILL ends it at once


def test_a_server_that_exits_on_stdin_eof_is_given_the_grace_to_exit_cleanly(server: Any) -> None:
    process, _ = server("--linger", "0.3")  # its clean shutdown takes a moment after stdin's end
    code, said, took = stop(process, grace=30)
    assert code == 0
    assert said == []  # no signal was needed
    assert took < 0.3 + SLACK  # the grace ends as soon as the server exits


def test_a_stop_after_a_failure_signals_at_once_without_waiting_for_a_clean_exit(server: Any) -> None:
    process, _ = server("--linger", "30")
    code, said, took = stop(process, polite=False, grace=30)
    assert code == -signal.SIGTERM
    assert said == [SIGTERM_SENT.format(1)]
    assert took < 1.0  # no polite wait; the SIGTERM wait ends as soon as the server is gone


def test_a_server_that_already_exited_gets_no_signal(server: Any) -> None:
    process, _ = server("--exit")
    process.wait(30)
    code, said, _ = stop(process, polite=False)
    assert code == 0
    assert said == []


def test_stopping_returns_the_exit_code_again_without_signalling_again(server: Any) -> None:
    process, _ = server("--ignore-term")
    assert stop(process)[0] == -signal.SIGKILL
    code, said, took = stop(process, grace=30)
    assert code == -signal.SIGKILL
    assert said == []
    assert took < 0.5


def test_a_zombie_child_of_the_server_is_neither_signalled_nor_waited_for(server: Any) -> None:
    process, _ = server("--child", "zombie", "--linger", "30")
    code, said, took = stop(process, polite=False, grace=30)
    assert code == -signal.SIGTERM
    assert said == [SIGTERM_SENT.format(1)]  # the server alone: its zombie child runs nothing
    assert took < 1.0  # and the zombie left in its group (nobody reaps it) is not waited for


def test_a_server_that_exited_but_is_not_reaped_yet_gets_no_signal(server: Any) -> None:
    process, _ = server("--exit")
    deadline = time.monotonic() + 30
    while Path(f"/proc/{process.pid}/stat").read_bytes().rpartition(b")")[2].split()[0] != b"Z":
        assert time.monotonic() < deadline, "the test server never exited"
        time.sleep(0.01)
    code, said, _ = stop(process, polite=False)
    assert code == 0
    assert said == []


def test_a_server_that_exits_on_sigterm_after_a_moment_is_not_killed(server: Any) -> None:
    process, _ = server("--on-term", "0.2", "--linger", "30")
    code, said, _ = stop(process, polite=False, grace=30)
    assert code == 0  # its clean shutdown on SIGTERM got the grace it needed
    assert said == [SIGTERM_SENT.format(1)]


def test_stopping_a_server_that_died_with_data_buffered_for_its_stdin_does_not_fail(server: Any) -> None:
    process, _ = server("--exit")
    process.wait(30)
    assert process.stdin is not None
    process.stdin.write(b"a request nobody will read\n")  # buffered: flushed, and refused, when stdin closes
    code, said, _ = stop(process)
    assert code == 0
    assert said == []


def test_a_process_that_survives_sigkill_is_reported_and_the_stop_still_ends(
    server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    process, helper = server("--child", "own-session", "--linger", "30")  # nobody's child once SIGTERM stopped it
    send_signal = signal.pidfd_send_signal

    def refusing(pidfd: int, sig: int, *args: Any) -> None:
        if sig == signal.SIGKILL and pidfd_pids(pidfd) == [helper]:  # as if another user's, or stuck in the kernel
            raise PermissionError(1, "Operation not permitted")
        send_signal(pidfd, sig, *args)

    monkeypatch.setattr(signal, "pidfd_send_signal", refusing)
    try:
        code, said, took = stop(process, polite=False)
        assert code == -signal.SIGTERM
        assert alive(helper)
        assert said == [SIGTERM_SENT.format(2), SIGKILL_SENT.format(1), SURVIVED]
        assert took < 3 * GRACE + SLACK
    finally:
        os.kill(helper, signal.SIGKILL)


def pidfd_pids(pidfd: int) -> list[int]:
    for line in Path(f"/proc/self/fdinfo/{pidfd}").read_text(encoding="utf-8").splitlines():
        if line.startswith("Pid:"):
            return [int(line.split()[1])]
    return []


def test_stopping_a_tree_leaves_no_file_descriptor_open(server: Any) -> None:
    before = open_fds()
    process, _ = server("--child", "group", "--ignore-term")
    stop(process)
    discard(process)  # closes our pipe ends
    assert open_fds() <= before


# -- which processes are the server's --------------------------------------------------------------------------------


def test_a_child_left_in_the_servers_process_group_is_stopped_with_it(server: Any) -> None:
    process, child = server("--child", "group", "--linger", "30")
    code, said, _ = stop(process, polite=False)
    assert code == -signal.SIGTERM
    assert not alive(child)  # it ignores SIGTERM: SIGKILL reached it
    assert said == [SIGTERM_SENT.format(2), SIGKILL_SENT.format(1)]


@pytest.mark.parametrize("how", ["orphan", "new-group"], ids=["its-group", "its-session"])
def test_a_process_whose_parent_exited_is_still_found_through_the_servers_group_or_session(
    server: Any, how: str
) -> None:
    process, helper = server("--child", how)
    stop(process, polite=False)
    assert not alive(helper)


def test_a_child_in_a_session_of_its_own_is_killed_even_once_sigterm_stopped_its_parent(server: Any) -> None:
    process, child = server("--child", "own-session", "--linger", "30")  # found as its child; it dies of SIGTERM
    _, said, _ = stop(process, polite=False)
    assert not alive(child)
    assert said == [SIGTERM_SENT.format(2), SIGKILL_SENT.format(1)]


def test_a_grandchild_under_a_child_in_a_session_of_its_own_is_found_through_its_parent(server: Any) -> None:
    process, grandchild = server("--child", "own-session-grandchild", "--linger", "30")
    _, said, _ = stop(process, polite=False)
    assert not alive(grandchild)  # in neither the server's group nor its session, and holding no pipe of its
    assert said == [SIGTERM_SENT.format(3), SIGKILL_SENT.format(1)]


@pytest.mark.parametrize("when", ["while-it-ran", "after-it-exited"])
def test_a_process_keeping_the_servers_stdout_after_it_exited_is_killed(server: Any, when: str) -> None:
    process, child = server("--child", "holds-stdout", "--exit")
    pipes = server_pipes(process) if when == "while-it-ran" else None
    process.wait(30)
    stop(process, pipes=pipes)
    assert not alive(child)  # in a session of its own, nobody's child: only our pipe gives it away


def test_a_process_started_in_the_same_clock_tick_as_the_server_is_searched_for_its_pipes(server: Any) -> None:
    process, child = server("--child", "holds-stdout", "--exit")
    pipes = server_pipes(process)
    assert pipes.since == start_time(process.pid)
    process.wait(30)
    stop(process, pipes=ServerPipes(pipes.inodes, since=start_time(child)))
    assert not alive(child)


def test_a_process_started_before_the_server_is_not_searched_for_its_pipes(server: Any) -> None:
    process, child = server("--child", "holds-stdout", "--exit")
    pipes = server_pipes(process)
    process.wait(30)
    stop(process, pipes=ServerPipes(pipes.inodes, since=start_time(child) + 1))
    assert alive(child)  # it could not have inherited the server's pipes, so its descriptors are not read
    os.kill(child, signal.SIGKILL)


def test_a_process_holding_none_of_the_servers_pipes_is_not_touched(server: Any) -> None:
    process, child = server("--child", "holds-stdout", "--exit")
    process.wait(30)
    stop(process, pipes=ServerPipes(frozenset({1}), since=None))
    assert alive(child)
    os.kill(child, signal.SIGKILL)


def test_a_server_whose_command_name_holds_parentheses_and_spaces_is_still_found(pidfile: Path, tmp_path: Path) -> None:
    strange = tmp_path / "x) y (z"
    strange.symlink_to(os.path.realpath(sys.executable))
    process, _ = started([str(strange), *tree(pidfile, "--ignore-term")[1:]], pidfile)
    try:
        assert b"x) y (z" in Path(f"/proc/{process.pid}/stat").read_bytes()
        code, _, _ = stop(process)
        assert code == -signal.SIGKILL
    finally:
        discard(process)


@pytest.mark.parametrize(("state", "gone"), [(b"S", False), (b"R", False), (b"Z", True), (b"X", True)])
def test_a_zombie_or_a_dead_process_being_reaped_runs_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, state: bytes, gone: bool
) -> None:
    (tmp_path / "4242").mkdir()
    fields = [state, b"1", b"4242", b"4242", *[b"0"] * 15, b"777", *[b"0"] * 10]  # ppid, group, session, start time
    (tmp_path / "4242" / "stat").write_bytes(b"4242 (a) b (c) " + b" ".join(fields) + b"\n")
    monkeypatch.setattr(reap, "_PROC", tmp_path)
    assert reap._stat(4242) == reap._Stat(ppid=1, session=4242, start_time=777, zombie=gone)
    assert reap._Target(4242, None).gone() is gone


def test_the_pipes_of_a_server_are_its_three_pipes_and_its_start_time(server: Any) -> None:
    process, _ = server()
    pipes = server_pipes(process)
    assert pipes.inodes == {os.fstat(pipe.fileno()).st_ino for pipe in (process.stdin, process.stdout, process.stderr)}
    assert pipes.since == start_time(process.pid)
    assert process.stdin is not None
    process.stdin.close()
    process.wait(30)
    after = server_pipes(process)
    assert after.inodes == {os.fstat(pipe.fileno()).st_ino for pipe in (process.stdout, process.stderr)}
    assert after.since is None  # gone: anything could have inherited the pipes before, search them all


def test_a_server_that_exited_gives_no_start_time_even_once_its_pid_is_reused(server: Any) -> None:
    process, _ = server("--exit")
    process.wait(30)
    other = subprocess.Popen([sys.executable, "-c", _SLEEPER])
    pid = process.pid
    process.pid = other.pid  # as if the kernel had given its pid to another process since
    try:
        assert server_pipes(process).since is None  # that process's start time says nothing of the server's
    finally:
        process.pid = pid
        other.kill()
        other.wait(30)


# -- without pidfds, without /proc ------------------------------------------------------------------------------------


def test_a_pid_reused_since_the_search_is_not_signalled(server: Any, tmp_path: Path) -> None:
    reused, _ = server()
    other, _ = started(tree(tmp_path / "other.pid"), tmp_path / "other.pid")
    try:
        before = open_fds()
        targets = reap._open({reused.pid: start_time(reused.pid) + 1, other.pid: start_time(other.pid)})
        assert [target.pid for target in targets] == [other.pid]  # another process now has the first pid
        for target in targets:
            target.close()
        assert open_fds() <= before
    finally:
        discard(other)


def test_a_process_gone_since_the_search_is_skipped_and_the_others_kept(server: Any) -> None:
    process, _ = server()
    gone = subprocess.Popen([sys.executable, "-c", ""])
    gone.wait(30)
    targets = reap._open({gone.pid: 0, process.pid: start_time(process.pid)})
    try:
        assert [target.pid for target in targets] == [process.pid]
        assert targets[0].pidfd is not None
    finally:
        for target in targets:
            target.close()


@pytest.mark.parametrize("how", ["missing", "failing"])
def test_without_pidfds_the_tree_is_stopped_by_pid(server: Any, monkeypatch: pytest.MonkeyPatch, how: str) -> None:
    if how == "missing":
        monkeypatch.delattr(os, "pidfd_open")
    else:

        def pidfd_open(pid: int, flags: int = 0) -> int:
            raise OSError(38, "Function not implemented")  # an old kernel, or a seccomp filter

        monkeypatch.setattr(os, "pidfd_open", pidfd_open)
    process, child = server("--child", "group", "--ignore-term")
    code, said, took = stop(process)
    assert code == -signal.SIGKILL
    assert not alive(child)
    assert said == [SIGTERM_SENT.format(2), SIGKILL_SENT.format(2)]
    assert took < 3 * GRACE + SLACK


@pytest.fixture
def no_proc(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """As on a platform without /proc (macOS, the BSDs): only the process group can be signalled."""
    monkeypatch.setattr(reap, "_PROC", tmp_path / "no-proc")
    monkeypatch.setattr(reap, "_HAVE_PROC", False)


@pytest.mark.usefixtures("no_proc")
def test_without_proc_the_servers_process_group_is_still_killed(server: Any) -> None:
    process, child = server("--child", "group", "--ignore-term")
    assert server_pipes(process).since is None
    code, said, took = stop(process, polite=False)
    assert code == -signal.SIGKILL
    assert not alive(child)
    assert said == [SIGTERM_SENT.format(0), SIGKILL_SENT.format(0)]
    assert took < 3 * GRACE + SLACK


@pytest.mark.usefixtures("no_proc")
def test_without_proc_the_stop_ends_as_soon_as_the_group_is_gone(server: Any) -> None:
    process, _ = server("--linger", "30")
    code, said, took = stop(process, polite=False, grace=30)
    assert code == -signal.SIGTERM
    assert said == [SIGTERM_SENT.format(0)]
    assert took < 1.0


@pytest.mark.usefixtures("no_proc")
def test_without_proc_a_server_that_already_exited_gets_no_signal(server: Any) -> None:
    process, _ = server("--exit")
    process.wait(30)
    code, said, _ = stop(process, polite=False)
    assert code == 0
    assert said == []


@pytest.mark.usefixtures("no_proc")
def test_without_proc_a_server_that_exits_on_sigterm_after_a_moment_is_not_killed(server: Any) -> None:
    process, _ = server("--on-term", "0.2", "--linger", "30")
    code, said, _ = stop(process, polite=False, grace=30)
    assert code == 0
    assert said == [SIGTERM_SENT.format(0)]


def test_a_descriptor_closed_while_the_search_reads_it_is_skipped(server: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    process, child = server("--child", "holds-stdout", "--exit")
    process.wait(30)
    readlink = Path.readlink
    vanished: list[Path] = []

    def racing(path: Path) -> Path:
        if path.parent.parent.name == str(child) and not vanished:  # the first descriptor of the child's
            vanished.append(path)
            raise FileNotFoundError(2, "No such file or directory", str(path))
        return readlink(path)

    monkeypatch.setattr(Path, "readlink", racing)
    stop(process)
    assert vanished
    assert not alive(child)  # found through its other descriptors


def test_a_process_that_exits_between_the_search_and_its_signal_is_no_error(
    server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    process, _ = server("--ignore-term")
    send_signal = signal.pidfd_send_signal
    missed: list[int] = []

    def racing(pidfd: int, sig: int, *args: Any) -> None:
        if sig == signal.SIGTERM:
            missed.append(sig)
            raise ProcessLookupError(3, "No such process")  # as if it had exited (it has not)
        send_signal(pidfd, sig, *args)

    monkeypatch.setattr(signal, "pidfd_send_signal", racing)
    code, _, _ = stop(process)
    assert missed
    assert code == -signal.SIGKILL
