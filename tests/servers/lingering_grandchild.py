"""A server whose own child outlives it and keeps its stdout open, ignoring SIGTERM.

    lingering_grandchild.py PIDFILE [--own-session] [--exit | --serve]

The child writes its pid to PIDFILE once it ignores SIGTERM, and only then does the server go on; PIDFILE with
the suffix ``.asked`` appears once a request came in.
``--own-session``: the child calls setsid(), leaving the server's process group and session (only the pipe it
holds ties it to the server). By default the server then never answers; ``--exit``: it exits at once, so only
the child keeps stdout open; ``--serve``: it becomes a working server (paginated.py, same process). The child
gives up after 120 s, so a failing test leaves nothing behind for long.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

# Its pid is written once it ignores SIGTERM: a test that read it knows SIGTERM alone cannot stop it.
CHILD = (
    "import os, signal, sys, time\n"
    "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
    "with open(sys.argv[1] + '.tmp', 'w') as f: f.write(str(os.getpid()))\n"
    "os.replace(sys.argv[1] + '.tmp', sys.argv[1])\n"
    "time.sleep(120)\n"
)

pidfile = Path(sys.argv[1])
child = subprocess.Popen([sys.executable, "-c", CHILD, str(pidfile)], start_new_session="--own-session" in sys.argv)
deadline = time.monotonic() + 30
while not pidfile.exists() and time.monotonic() < deadline:
    time.sleep(0.01)
print(f"started helper process {child.pid}", file=sys.stderr, flush=True)
if "--serve" in sys.argv:
    paginated = str(Path(__file__).with_name("paginated.py"))
    os.execv(sys.executable, [sys.executable, paginated])
if "--exit" not in sys.argv:
    for _line in sys.stdin:
        pidfile.with_suffix(".asked").touch()  # a client is talking to it now
