"""A guard around every probe test: a signal may reach only the processes the test itself started.

The code under test chooses which processes to SIGTERM and SIGKILL. A slip there (or a mutant of it: ``dev/mutate
processes`` runs these tests against one on purpose) could signal every process of the user's: the test runner,
the shell, the desktop session. So during each test, ``os.kill``, ``os.killpg`` and ``signal.pidfd_send_signal``
deliver a signal only to descendants of the test process (the test is made a child subreaper, so a grandchild
that called ``setsid()`` and lost its parent stays one); anything else is refused with EPERM, and the test fails.
"""

from __future__ import annotations

import ctypes
import errno
import os
import signal
from collections.abc import Callable, Iterator
from contextlib import suppress
from pathlib import Path
from typing import Any

import pytest

_PR_SET_CHILD_SUBREAPER = 36
_PROC = Path("/proc")


def _set_subreaper(on: bool) -> bool:
    """Make this process adopt its orphaned descendants (Linux); False where that is not possible."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(_PR_SET_CHILD_SUBREAPER, int(on), 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


def _stat_fields(pid: int) -> list[bytes] | None:
    try:
        text = (_PROC / str(pid) / "stat").read_bytes()
    except OSError:
        return None
    return text[text.rfind(b")") + 2 :].split()


def _descends_from(pid: int, ancestor: int) -> bool:
    seen = set()
    while pid > 1 and pid not in seen:
        seen.add(pid)
        fields = _stat_fields(pid)
        if fields is None:
            return False
        pid = int(fields[1])
        if pid == ancestor:
            return True
    return False


def _pidfd_pid(pidfd: int) -> int:
    try:
        for line in (_PROC / "self" / "fdinfo" / str(pidfd)).read_text(encoding="utf-8").splitlines():
            if line.startswith("Pid:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _group(pgid: int) -> list[int]:
    members = []
    for entry in _PROC.iterdir():
        if entry.name.isdigit() and (fields := _stat_fields(int(entry.name))) is not None and int(fields[2]) == pgid:
            members.append(int(entry.name))
    return members


@pytest.fixture(autouse=True)
def signals_reach_only_the_tests_own_processes(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    if not (_PROC / "self" / "fdinfo").is_dir():
        yield
        return
    me = os.getpid()
    refused: list[str] = []
    real_kill, real_killpg, real_pidfd_send_signal = os.kill, os.killpg, signal.pidfd_send_signal

    def ours(pid: int) -> bool:
        return pid > 0 and pid != me and _descends_from(pid, me)

    def refuse(what: str) -> None:
        refused.append(what)
        raise PermissionError(errno.EPERM, f"the test guard refused {what}")

    def kill(pid: int, sig: int) -> None:
        if sig != 0 and not ours(pid):
            refuse(f"os.kill({pid}, {sig})")
        real_kill(pid, sig)

    def killpg(pgid: int, sig: int) -> None:
        if sig != 0 and (pgid <= 0 or not all(ours(member) for member in _group(pgid))):
            refuse(f"os.killpg({pgid}, {sig})")
        real_killpg(pgid, sig)

    def pidfd_send_signal(pidfd: int, sig: int, *args: Any) -> None:
        pid = _pidfd_pid(pidfd)  # -1 once the process exited: the real call then says so
        if sig != 0 and pid != -1 and not ours(pid):
            refuse(f"a signal {sig} to pid {pid} through its pidfd")
        real_pidfd_send_signal(pidfd, sig, *args)

    replacements: list[tuple[Any, str, Callable[..., None]]] = [
        (os, "kill", kill),
        (os, "killpg", killpg),
        (signal, "pidfd_send_signal", pidfd_send_signal),
    ]
    for owner, name, replacement in replacements:
        monkeypatch.setattr(owner, name, replacement)
    subreaper = _set_subreaper(True)
    try:
        yield
    finally:
        if subreaper:
            _set_subreaper(False)
            _reap_adopted_zombies(me)
    assert not refused, f"the test signalled processes it did not start: {refused}"


def _reap_adopted_zombies(me: int) -> None:
    for entry in _PROC.iterdir():
        fields = _stat_fields(int(entry.name)) if entry.name.isdigit() else None
        if fields is not None and int(fields[1]) == me and fields[0] == b"Z":
            with suppress(ChildProcessError):
                os.waitpid(int(entry.name), os.WNOHANG)
