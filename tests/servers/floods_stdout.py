"""A server that answers with far too much.

floods_stdout.py long-line MIB      its first answer: one line of MIB mebibytes that never ends, in 64 KiB pieces
floods_stdout.py many-values        its first answer: 3.9 MiB holding 1.3 million empty JSON objects
floods_stdout.py big-answer MIB     a valid 2025-11-25 server whose instructions are MIB mebibytes long
"""

import json
import sys

from _legacy import initialize_result, method_not_found, reply, requests

mode = sys.argv[1]
PIECE = b"x" * 65_536


def flood(message_id: object) -> None:
    head = b'{"jsonrpc": "2.0", "id": ' + json.dumps(message_id).encode() + b', "result": '
    if mode == "long-line":
        sys.stdout.buffer.write(head + b'"')
        for _ in range(int(sys.argv[2]) * 16):
            sys.stdout.buffer.write(PIECE)
    else:
        sys.stdout.buffer.write(head + b'{"_meta": {"x": [' + b"{}," * 1_300_000 + b"{}]}}}\n")
    sys.stdout.buffer.flush()


for method, message_id, _ in requests():
    if mode in ("long-line", "many-values"):
        flood(message_id)
    elif method == "initialize":
        instructions = "x" * (int(sys.argv[2]) * 1024 * 1024)
        reply(message_id, initialize_result({"name": "big", "version": "1.0.0"}, {}, instructions=instructions))
    else:
        method_not_found(message_id)
