"""A legacy-era server (2025-11-25) whose ``tools/list`` never ends: one tool per page, and always a next cursor.

paginates_forever.py new-cursor     a fresh cursor on every page (page 1, 2, 3, ...)
paginates_forever.py same-cursor    the same cursor ("1") again and again
"""

import sys

from _legacy import initialize_result, method_not_found, reply, requests

mode = sys.argv[1]

for method, message_id, params in requests():
    if method == "initialize":
        reply(message_id, initialize_result({"name": "forever", "version": "1.0.0"}, {"tools": {}}))
    elif method == "tools/list":
        page = int(params.get("cursor") or 0) + 1
        cursor = str(page) if mode == "new-cursor" else "1"
        tool = {"name": f"tool_{page}", "inputSchema": {"type": "object"}}
        reply(message_id, {"tools": [tool], "nextCursor": cursor})
    else:
        method_not_found(message_id)
