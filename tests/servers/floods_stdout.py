"""A server that answers with far too much.

floods_stdout.py long-line MIB      its first answer: one line of MIB mebibytes that never ends, in 64 KiB pieces
floods_stdout.py many-values        its first answer: 3.9 MiB holding 1.3 million empty JSON objects
floods_stdout.py big-answer MIB     a valid 2025-11-25 server whose instructions are MIB mebibytes long
"""

import json
import sys
from typing import Any

mode = sys.argv[1]
PIECE = b"x" * 65_536


def send(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps({"jsonrpc": "2.0", **message}) + "\n")
    sys.stdout.flush()


def flood(message_id: object) -> None:
    head = b'{"jsonrpc": "2.0", "id": ' + json.dumps(message_id).encode() + b', "result": '
    if mode == "long-line":
        sys.stdout.buffer.write(head + b'"')
        for _ in range(int(sys.argv[2]) * 16):
            sys.stdout.buffer.write(PIECE)
    else:
        sys.stdout.buffer.write(head + b'{"_meta": {"x": [' + b"{}," * 1_300_000 + b"{}]}}}\n")
    sys.stdout.buffer.flush()


for line in sys.stdin:
    request = json.loads(line)
    method, message_id = request.get("method"), request.get("id")
    if message_id is None:
        continue
    if mode in ("long-line", "many-values"):
        flood(message_id)
    elif method == "initialize":
        info = {"name": "big", "version": "1.0.0"}
        instructions = "x" * (int(sys.argv[2]) * 1024 * 1024)
        result = {"protocolVersion": "2025-11-25", "capabilities": {}, "serverInfo": info, "instructions": instructions}
        send({"id": message_id, "result": result})
    else:
        send({"id": message_id, "error": {"code": -32601, "message": "Method not found"}})
