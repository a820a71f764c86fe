"""A legacy-era server (2025-11-25, initialize handshake) that lists 25 tools in pages of 10."""

import json
import sys
from typing import Any

TOOLS: list[dict[str, Any]] = [
    {"name": f"tool_{i:02d}", "description": f"Tool number {i}.", "inputSchema": {"type": "object"}} for i in range(25)
]


def reply(message_id: object, result: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps({"jsonrpc": "2.0", "id": message_id, "result": result}) + "\n")
    sys.stdout.flush()


for line in sys.stdin:
    request = json.loads(line)
    method, message_id = request.get("method"), request.get("id")
    if message_id is None:
        continue
    if method == "initialize":
        reply(
            message_id,
            {
                "protocolVersion": "2025-11-25",
                "capabilities": {"tools": {}},
                "serverInfo": {"name": "paginated", "version": "1.0.0"},
            },
        )
    elif method == "tools/list":
        start = int((request.get("params") or {}).get("cursor") or 0)
        page: dict[str, object] = {"tools": TOOLS[start : start + 10]}
        if start + 10 < len(TOOLS):
            page["nextCursor"] = str(start + 10)  # a string cursor, as the spec requires
        reply(message_id, page)
    else:
        sys.stdout.write(
            json.dumps({"jsonrpc": "2.0", "id": message_id, "error": {"code": -32601, "message": "Method not found"}})
            + "\n"
        )
        sys.stdout.flush()
