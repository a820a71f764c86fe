"""A server that reads its stdin and never replies, like one blocked on a prompt or a lock."""

import sys

print("waiting for a license key on /dev/tty ...", file=sys.stderr, flush=True)
for _line in sys.stdin:
    pass
