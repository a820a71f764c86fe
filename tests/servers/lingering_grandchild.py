"""A server whose own child outlives it and keeps its stdout open, ignoring SIGTERM.

    lingering_grandchild.py PIDFILE [--own-session] [--exit | --serve]

The child's pid goes to PIDFILE; PIDFILE with the suffix ``.asked`` appears once a request came in.
``--own-session``: the child calls setsid(), leaving the server's process group and session (only the pipe it
holds ties it to the server). By default the server then never answers; ``--exit``: it exits at once, so only
the child keeps stdout open; ``--serve``: it becomes a working server (paginated.py, same process). The child
gives up after 120 s, so a failing test leaves nothing behind for long.
"""

import os
import subprocess
import sys
from pathlib import Path

CHILD = "import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\ntime.sleep(120)\n"

pidfile = Path(sys.argv[1])
child = subprocess.Popen([sys.executable, "-c", CHILD], start_new_session="--own-session" in sys.argv)
pidfile.write_text(str(child.pid), encoding="utf-8")
print(f"started helper process {child.pid}", file=sys.stderr, flush=True)
if "--serve" in sys.argv:
    paginated = str(Path(__file__).with_name("paginated.py"))
    os.execv(sys.executable, [sys.executable, paginated])
if "--exit" not in sys.argv:
    for _line in sys.stdin:
        pidfile.with_suffix(".asked").touch()  # a client is talking to it now
