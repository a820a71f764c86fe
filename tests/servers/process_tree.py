"""A server that leaves processes behind in every way a real one can, to test how mcpship stops a process tree.

    process_tree.py PIDFILE [--child HOW] [--ignore-term | --on-term SECONDS] [--exit] [--linger SECONDS]

Without ``--child`` the server writes its own pid to PIDFILE once its signal handlers are set. ``--child HOW``
starts one helper process that ignores SIGTERM and writes *its* pid to PIDFILE once it does (so a test that read
the pid knows SIGTERM alone cannot stop it). HOW says where the helper sits:

- ``group``: a child in the server's process group, its stdio pointed elsewhere;
- ``orphan``: a grandchild in the server's process group whose parent exited: no descendant of the server any
  more, and holding no pipe (only the group ties it to the server);
- ``new-group``: the same, but in a process group of its own inside the server's session (only the session ties
  it to the server);
- ``own-session``: a child that called setsid(), its stdio pointed elsewhere: only being the server's child
  ties it to the server, and only while the server lives;
- ``own-session-grandchild``: the child of such a child (which stays, and stops on SIGTERM): only descent, through
  its parent, ties it to the server;
- ``holds-stdout`` / ``holds-stdin``: a child that called setsid() and keeps the server's stdout / stdin (only
  that pipe ties it to the server once the server exited);
- ``zombie``: a child that exited at once and that the server never reaps (the server writes its own pid once the
  child is a zombie).

Once the helper is ready, the server reads stdin until end of file and exits with code 0, after ``--linger``
seconds (a clean shutdown that takes a moment). ``--ignore-term``: it ignores SIGTERM and stdin's end (SIGKILL
alone stops it). ``--on-term SECONDS``: on SIGTERM it exits with code 0 after that long (a clean shutdown on a
signal).
``--exit``: it exits at once, leaving the helper behind. Every process gives up after 120 s, so a failing test
leaves nothing behind for long.
"""

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HELPER = (
    "import os, signal, sys, time\n"
    "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
    "with open(sys.argv[1] + '.tmp', 'w') as f: f.write(str(os.getpid()))\n"
    "os.replace(sys.argv[1] + '.tmp', sys.argv[1])\n"
    "time.sleep(120)\n"
)
# Starts the helper and exits at once, so the helper loses its parent.
MIDDLE = (
    "import subprocess, sys\n"
    "subprocess.Popen([sys.executable, '-c', sys.argv[1], sys.argv[2]], process_group=0 if sys.argv[3] == 'new-group'"
    " else None, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
)
# Starts the helper and stays (SIGTERM stops it).
PARENT = (
    "import subprocess, sys, time\n"
    "subprocess.Popen([sys.executable, '-c', sys.argv[1], sys.argv[2]], stdin=subprocess.DEVNULL,"
    " stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
    "time.sleep(120)\n"
)

parser = argparse.ArgumentParser()
parser.add_argument("pidfile")
parser.add_argument(
    "--child",
    choices=[
        "group",
        "orphan",
        "new-group",
        "own-session",
        "own-session-grandchild",
        "holds-stdout",
        "holds-stdin",
        "zombie",
    ],
)
parser.add_argument("--ignore-term", action="store_true")
parser.add_argument("--on-term", type=float)
parser.add_argument("--exit", action="store_true")
parser.add_argument("--linger", type=float, default=0.0)
options = parser.parse_args()

# A hang-up ends it, as it ends a real server (a test runner may ignore SIGHUP, and its children inherit that).
signal.signal(signal.SIGHUP, signal.SIG_DFL)
if options.ignore_term:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
elif options.on_term is not None:

    def shut_down(*_: object) -> None:
        time.sleep(options.on_term)
        os._exit(0)

    signal.signal(signal.SIGTERM, shut_down)
elsewhere: dict[str, Any] = {"stdin": subprocess.DEVNULL, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
if options.child in ("orphan", "new-group"):
    subprocess.run([sys.executable, "-c", MIDDLE, HELPER, options.pidfile, options.child], check=True, **elsewhere)
elif options.child in ("holds-stdout", "holds-stdin"):
    held = {"stdin": None} if options.child == "holds-stdin" else {"stdout": None}
    subprocess.Popen([sys.executable, "-c", HELPER, options.pidfile], start_new_session=True, **{**elsewhere, **held})
elif options.child == "own-session-grandchild":
    subprocess.Popen([sys.executable, "-c", PARENT, HELPER, options.pidfile], start_new_session=True, **elsewhere)
elif options.child == "zombie":
    zombie = subprocess.Popen([sys.executable, "-c", ""], **elsewhere)
    os.waitid(os.P_PID, zombie.pid, os.WEXITED | os.WNOWAIT)  # exited, not reaped
elif options.child is not None:
    subprocess.Popen(
        [sys.executable, "-c", HELPER, options.pidfile], start_new_session=options.child == "own-session", **elsewhere
    )
if options.child in (None, "zombie"):
    ready = Path(options.pidfile + ".tmp")
    ready.write_text(str(os.getpid()), encoding="utf-8")
    ready.replace(options.pidfile)
deadline = time.monotonic() + 30
while not Path(options.pidfile).exists() and time.monotonic() < deadline:  # go on once the helper is ready
    time.sleep(0.01)
if options.exit:
    sys.exit(0)
sys.stdin.read()
time.sleep(120 if options.ignore_term else options.linger)
