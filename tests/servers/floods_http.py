"""A Streamable HTTP endpoint that answers every POST with a JSON body of 100 MiB, streamed in 64 KiB pieces.

    floods_http.py PORT [--gzip]

``--gzip``: the body is announced as gzip-compressed (it is not; it is refused before anything is decoded).
"""

import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PIECE = b"x" * 65_536


class Flood(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        if "--gzip" in sys.argv:
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(PIECE) * 1600 + 2))
        self.end_headers()
        try:
            self.wfile.write(b'{"')
            for _ in range(1600):
                self.wfile.write(PIECE)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client stopped reading, as it should

    def log_message(self, format: str, *args: object) -> None:
        pass


ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Flood).serve_forever()
