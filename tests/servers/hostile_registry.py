"""An MCP registry whose search results carry terminal control sequences, Rich markup, tabs and newlines.

    hostile_registry.py PORT [--refuse]

``--refuse``: every search is answered 500 with a problem+json body whose detail carries the same text.
"""

import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOSTILE = "\x1b]0;pwned\x07\x1b[2J\x1b]8;;https://evil.example/\x1b\\docs\x1b]8;;\x1b\\ \u202eexe.txt [/]"
SERVER = {
    "name": f"io.github.evil/{HOSTILE}",
    "version": "1.0.0\x9b2J",
    "description": f"Line one\twith a tab\nline two {HOSTILE}",
    "packages": [{"registryType": "npm", "identifier": "evil\x1b[31m", "transport": {"type": "stdio"}}],
}


class Registry(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if "--refuse" in sys.argv:
            self.answer(500, {"title": "Internal Server Error", "status": 500, "detail": f"boom {HOSTILE}"})
        elif self.path.startswith("/v0.1/x/io.github.mcpship/search"):
            self.answer(200, {"servers": [{"server": SERVER, "_meta": {}}], "metadata": {"count": 1}})
        else:
            self.answer(404, {"title": "Not Found", "status": 404, "detail": "not found"})

    def answer(self, status: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json" if status < 400 else "application/problem+json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Registry).serve_forever()
