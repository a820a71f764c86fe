"""Stop a server and every process it started, whatever those did to outlive it.

:func:`mcpship.probe.spawn.spawn` starts each server in a session and process group of its own (its pid is
both ids). Stopping it, on every path (answered, timed out, failed, interrupted):

1. close its stdin; on a normal end, give the leader ``grace`` seconds to exit (the MCP spec's stdio shutdown);
2. find what is left: the session (which holds the process group), every descendant of the leader or of
   those, and every process holding one of the server's pipes. The last catches what a process group cannot:
   a grandchild that called ``setsid()`` and kept stdout open, which would keep a reader waiting forever;
3. SIGTERM all of it, wait up to ``grace`` seconds; SIGKILL what SIGTERM did not stop and what a new search
   finds (a SIGTERM handler may fork), wait up to ``grace`` seconds more. Worst case: three grace periods (6 s
   by default). What SIGTERM did not stop is kept, not searched again: a child in a session of its own is found
   as the leader's descendant, and is nobody's once SIGTERM stopped the leader.

Processes are signalled through pidfds where the platform has them, so a pid reused in the meantime is never
hit. The search (step 2) reads ``/proc`` and is Linux-only; elsewhere only the process group is signalled,
as the MCP SDK does. Only the standard library is used: the CLI stops a pre-spawned server before anyio loads.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import time
import weakref
from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

__all__ = ["GRACE_SECONDS", "ServerPipes", "server_pipes", "stop_process_tree"]

GRACE_SECONDS = 2.0
_POLL_SECONDS = 0.01
_PROC = Path("/proc")
_HAVE_PROC = (_PROC / "self" / "fd").is_dir()

_stopped: weakref.WeakSet[subprocess.Popen[bytes]] = weakref.WeakSet()


@dataclass(frozen=True)
class _Stat:
    ppid: int
    session: int
    start_time: int
    zombie: bool


@dataclass(frozen=True)
class ServerPipes:
    """How to recognise a process holding the server's pipes."""

    inodes: frozenset[int]
    """Of the pipes between us and the server."""
    since: int | None
    """The server's start time (clock ticks after boot): only a process started later can have inherited them,
    so only those need their file descriptors read (the slow part of the search). None: unknown, read all."""


def server_pipes(process: subprocess.Popen[bytes]) -> ServerPipes:
    """The pipes between us and ``process`` whose ends we still hold open, and when the server started."""
    inodes: set[int] = set()
    for pipe in (process.stdin, process.stdout, process.stderr):
        if pipe is not None and not pipe.closed:
            inodes.add(os.fstat(pipe.fileno()).st_ino)
    stat = _stat(process.pid) if process.returncode is None else None
    return ServerPipes(frozenset(inodes), stat.start_time if stat is not None else None)


def stop_process_tree(
    process: subprocess.Popen[bytes],
    *,
    pipes: ServerPipes | None = None,
    polite: bool = True,
    grace: float = GRACE_SECONDS,
    debug: Callable[[str], None] | None = None,
) -> int | None:
    """Stop ``process`` (spawned as a session leader) and everything it started; return its exit code.

    ``pipes`` come from :func:`server_pipes`, taken while our ends were open (default: now).
    Calling it again for the same process does nothing. Every wait is bounded; a process that cannot be
    killed (another user's, or stuck in the kernel) is left behind after ``3 * grace`` seconds at most.
    """
    if process in _stopped:
        return process.returncode
    say = debug or (lambda _message: None)
    pipes = server_pipes(process) if pipes is None else pipes
    if process.stdin is not None:
        with suppress(OSError):  # BrokenPipeError: data left in its buffer, and the server gone
            process.stdin.close()
    if polite:
        with suppress(subprocess.TimeoutExpired):
            process.wait(grace)
    survivors: list[_Target] = []
    try:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            held = {target.pid for target in survivors}
            targets = survivors + _open({pid: at for pid, at in _tree(process.pid, pipes).items() if pid not in held})
            survivors = targets
            group_alive = _signal_group(process.pid, sig)
            # With /proc the targets include every living group member; only zombies can be left in the group.
            if not targets and (_HAVE_PROC or not group_alive):
                break
            say(f"sending {sig.name} to the server's process group and {len(targets)} process(es) of its tree")
            for target in targets:
                target.send(sig)
            _wait_gone(process, targets, grace)
            survivors = _still_alive(targets)
    finally:
        for target in survivors:
            target.close()
    process.poll()
    if survivors:
        say("some of the server's processes survived SIGKILL (another user's, or stuck in the kernel)")
    _stopped.add(process)
    return process.returncode


def _signal_group(pgid: int, sig: int) -> bool:
    """Signal the whole process group at once (members forking right now included); False if it is gone."""
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # a member we may not signal (setuid); the rest got it
    return True


def _tree(leader: int, pipes: ServerPipes) -> dict[int, int]:
    """Live processes of the server, as pid -> start time: its session (a process group never spans sessions, so
    that holds its group), their descendants, and whoever holds one of its pipes. Empty where there is no
    ``/proc``."""
    table = _processes()
    me = os.getpid()
    chosen = {pid for pid, stat in table.items() if leader in (pid, stat.session)}
    if pipes.inodes:
        chosen |= {
            pid
            for pid, stat in table.items()
            if pid not in chosen
            and pid != me  # we hold the pipes too
            and (pipes.since is None or stat.start_time >= pipes.since)
            and _holds_pipe(pid, pipes.inodes)
        }
    children: dict[int, list[int]] = {}
    for pid, stat in table.items():
        children.setdefault(stat.ppid, []).append(pid)
    frontier = [*chosen, leader]
    while frontier:
        for child in children.get(frontier.pop(), ()):
            if child not in chosen:
                chosen.add(child)
                frontier.append(child)
    return {pid: table[pid].start_time for pid in chosen if not table[pid].zombie}


def _processes() -> dict[int, _Stat]:
    table: dict[int, _Stat] = {}
    with suppress(OSError):
        for entry in _PROC.iterdir():
            if entry.name.isdigit() and (stat := _stat(int(entry.name))) is not None:
                table[int(entry.name)] = stat
    return table


def _stat(pid: int) -> _Stat | None:
    try:
        text = (_PROC / str(pid) / "stat").read_bytes()
    except OSError:
        return None
    fields = text[text.rfind(b")") + 2 :].split()  # the command name in (...) may hold spaces and parentheses
    try:
        return _Stat(
            ppid=int(fields[1]),
            session=int(fields[3]),
            start_time=int(fields[19]),
            zombie=fields[0] in (b"Z", b"X"),
        )
    except (IndexError, ValueError):
        return None


def _holds_pipe(pid: int, pipes: frozenset[int]) -> bool:
    try:
        for entry in (_PROC / str(pid) / "fd").iterdir():
            with suppress(OSError):
                link = str(entry.readlink())
                if link.startswith("pipe:[") and int(link[6:-1]) in pipes:
                    return True
    except OSError:  # gone, or another user's
        pass
    return False


class _Target:
    """One process to stop, held by a pidfd when possible so its pid cannot be reused under us."""

    def __init__(self, pid: int, pidfd: int | None) -> None:
        self.pid = pid
        self.pidfd = pidfd

    def send(self, sig: int) -> None:
        with suppress(ProcessLookupError, PermissionError):
            if self.pidfd is not None:
                signal.pidfd_send_signal(self.pidfd, sig)
            else:
                os.kill(self.pid, sig)

    def gone(self) -> bool:
        if self.pidfd is not None:
            poller = select.poll()  # not select(): a pidfd's number may exceed FD_SETSIZE
            poller.register(self.pidfd, select.POLLIN)
            return bool(poller.poll(0))  # a pidfd turns readable when its process exits
        stat = _stat(self.pid)
        return stat is None or stat.zombie

    def close(self) -> None:
        if self.pidfd is not None:
            os.close(self.pidfd)
            self.pidfd = None


def _open(found: dict[int, int]) -> list[_Target]:
    targets: list[_Target] = []
    for pid, start_time in found.items():
        pidfd: int | None = None
        if hasattr(os, "pidfd_open"):
            try:
                pidfd = os.pidfd_open(pid)
            except ProcessLookupError:
                continue
            except OSError:
                pidfd = None  # no pidfds here (old kernel, seccomp): plain pids
        stat = _stat(pid)
        if stat is None or stat.start_time != start_time:  # exited, and maybe its pid reused, since the scan
            if pidfd is not None:
                os.close(pidfd)
            continue
        targets.append(_Target(pid, pidfd))
    return targets


def _still_alive(targets: Iterable[_Target]) -> list[_Target]:
    """The targets whose process still runs; the others' pidfds are closed."""
    alive: list[_Target] = []
    for target in targets:
        if target.gone():
            target.close()
        else:
            alive.append(target)
    return alive


def _wait_gone(process: subprocess.Popen[bytes], targets: Iterable[_Target], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    waiting = list(targets)
    while True:
        process.poll()  # reap the leader, our own child, as soon as it exits
        waiting = [target for target in waiting if not target.gone()]
        # With /proc the targets are the whole group (zombies are gone for us: a container's PID 1 may never
        # reap them); without, the group is probed, which counts zombies until their parent reaps them.
        if not waiting and (_HAVE_PROC or not _group_alive(process.pid)):
            return
        if time.monotonic() >= deadline:
            return
        time.sleep(_POLL_SECONDS)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True
