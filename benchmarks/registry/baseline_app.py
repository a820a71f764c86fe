"""The plain-ASGI baseline: no framework, no database, one fixed JSON body for every GET.

The body is a real first list page of the benchmark data (``REGISTRY_BENCH_BODY`` names the file), so the
baseline pays the same bytes on the wire as the registry and only skips the work the registry does.
Run: ``uvicorn --app-dir benchmarks/registry baseline_app:app``.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]

BODY = Path(os.environ.get("REGISTRY_BENCH_BODY", "")).read_bytes() if os.environ.get("REGISTRY_BENCH_BODY") else b"{}"
START = {
    "type": "http.response.start",
    "status": 200,
    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())],
}
END = {"type": "http.response.body", "body": BODY}


Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    await send(START)
    await send(END)
