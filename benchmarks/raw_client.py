"""The baseline: the least a client can do to list a stdio server's interface (stdlib only, no SDK).

Spawn, ``initialize`` (2025-11-25, which every example accepts), list tools, prompts, resources and
templates, close stdin, wait for exit. Its wall time is the server's own start-up plus the same work mcpship
does, with next to nothing on the client side.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

LISTS = ("tools/list", "prompts/list", "resources/list", "resources/templates/list")


def main(argv: list[str]) -> int:
    pipe = subprocess.PIPE
    process = subprocess.Popen(argv, stdin=pipe, stdout=pipe, stderr=subprocess.DEVNULL, text=True)
    stdin, stdout = process.stdin, process.stdout
    assert stdin is not None
    assert stdout is not None

    def request(message_id: int, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        stdin.write(json.dumps({"jsonrpc": "2.0", "id": message_id, "method": method, "params": params or {}}))
        stdin.write("\n")
        stdin.flush()
        while True:
            line = stdout.readline()
            if not line:
                raise SystemExit(f"server exited during {method}")
            reply: dict[str, Any] = json.loads(line)
            if reply.get("id") == message_id:
                return reply

    client = {"name": "raw", "version": "1"}
    request(1, "initialize", {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": client})
    stdin.write(json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}) + "\n")
    stdin.flush()
    tools = request(2, LISTS[0])["result"]["tools"]
    for message_id, method in enumerate(LISTS[1:], start=3):
        request(message_id, method)
    stdin.close()
    process.wait(10)
    return 0 if tools else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
