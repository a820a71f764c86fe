"""A stdio "server" that does exactly what its arguments say, in order, to test the transport byte by byte.

    scripted.py STEP...

Each STEP is ``WHAT:ARGUMENT``:

- ``out:EXPR`` / ``err:EXPR``: write the bytes the Python expression EXPR gives to stdout / stderr, and flush
  (``out:b'{}' * 3``);
- ``sleep:SECONDS``; ``exit:CODE``: exit at once with CODE;
- ``close:FD``: close file descriptor FD (0: stdin, 1: stdout);
- ``mirror:``: answer each line read on stdin with ``{"jsonrpc": "2.0", "id": ID, "result": {"line": LINE}}``,
  LINE being the line exactly as read, until stdin ends;
- ``linger:SECONDS``: once stdin ended, wait that long before exiting (a clean shutdown that takes a moment);
- ``eof:EXPR``: once stdin ended, write the bytes EXPR gives to stdout.

After the steps the server reads stdin until it ends, lingers, and exits with code 0.
"""

import contextlib
import json
import os
import sys
import time

linger = 0.0
farewell = b""
for step in sys.argv[1:]:
    what, _, argument = step.partition(":")
    if what in ("out", "err"):
        stream = sys.stdout.buffer if what == "out" else sys.stderr.buffer
        stream.write(eval(argument))  # the test's own expression
        stream.flush()
    elif what == "sleep":
        time.sleep(float(argument))
    elif what == "exit":
        sys.exit(int(argument))
    elif what == "close":
        os.close(int(argument))
    elif what == "mirror":
        for line in sys.stdin.buffer:
            request = json.loads(line)
            answer = {"jsonrpc": "2.0", "id": request.get("id", 0), "result": {"line": line.decode()}}
            sys.stdout.buffer.write(json.dumps(answer).encode() + b"\n")
            sys.stdout.buffer.flush()
    elif what == "linger":
        linger = float(argument)
    elif what == "eof":
        farewell = eval(argument)
    else:
        raise SystemExit(f"scripted.py: unknown step {step!r}")
with contextlib.suppress(OSError):  # stdin may have been closed by a step
    sys.stdin.buffer.read()
if farewell:
    sys.stdout.buffer.write(farewell)
    sys.stdout.buffer.flush()
time.sleep(linger)
