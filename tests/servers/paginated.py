"""A legacy-era server (2025-11-25, initialize handshake) that lists 25 tools in pages of 10."""

from typing import Any

from _legacy import initialize_result, method_not_found, reply, requests

TOOLS: list[dict[str, Any]] = [
    {"name": f"tool_{i:02d}", "description": f"Tool number {i}.", "inputSchema": {"type": "object"}} for i in range(25)
]

for method, message_id, params in requests():
    if method == "initialize":
        reply(message_id, initialize_result({"name": "paginated", "version": "1.0.0"}, {"tools": {}}))
    elif method == "tools/list":
        start = int(params.get("cursor") or 0)
        page: dict[str, object] = {"tools": TOOLS[start : start + 10]}
        if start + 10 < len(TOOLS):
            page["nextCursor"] = str(start + 10)  # a string cursor, as the spec requires
        reply(message_id, page)
    else:
        method_not_found(message_id)
