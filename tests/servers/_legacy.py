"""What the hand-written legacy-era (2025-11-25, initialize handshake) test servers share: JSON-RPC over stdio, one
message a line. Imported by the servers next to it (their folder is the first entry of ``sys.path``)."""

import json
import sys
from collections.abc import Iterator
from typing import Any


def requests() -> Iterator[tuple[str, object, dict[str, Any]]]:
    """``(method, id, params)`` of each request on stdin; notifications are skipped."""
    for line in sys.stdin:
        request = json.loads(line)
        if request.get("id") is not None:
            yield str(request.get("method")), request["id"], request.get("params") or {}


def send(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps({"jsonrpc": "2.0", **message}) + "\n")
    sys.stdout.flush()


def reply(message_id: object, result: dict[str, Any]) -> None:
    send({"id": message_id, "result": result})


def method_not_found(message_id: object) -> None:
    send({"id": message_id, "error": {"code": -32601, "message": "Method not found"}})


def initialize_result(info: dict[str, Any], capabilities: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"protocolVersion": "2025-11-25", "capabilities": capabilities, "serverInfo": info, **extra}
