"""A legacy-era server (2025-11-25) whose ``tools/list`` never ends: one tool per page, and always a next cursor.

paginates_forever.py new-cursor     a fresh cursor on every page (page 1, 2, 3, ...)
paginates_forever.py same-cursor    the same cursor ("1") again and again
"""

import json
import sys
from typing import Any

mode = sys.argv[1]


def send(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps({"jsonrpc": "2.0", **message}) + "\n")
    sys.stdout.flush()


for line in sys.stdin:
    request = json.loads(line)
    method, message_id = request.get("method"), request.get("id")
    if message_id is None:
        continue
    if method == "initialize":
        info = {"name": "forever", "version": "1.0.0"}
        result = {"protocolVersion": "2025-11-25", "capabilities": {"tools": {}}, "serverInfo": info}
        send({"id": message_id, "result": result})
    elif method == "tools/list":
        page = int((request.get("params") or {}).get("cursor") or 0) + 1
        cursor = str(page) if mode == "new-cursor" else "1"
        tool = {"name": f"tool_{page}", "inputSchema": {"type": "object"}}
        send({"id": message_id, "result": {"tools": [tool], "nextCursor": cursor}})
    else:
        send({"id": message_id, "error": {"code": -32601, "message": "Method not found"}})
