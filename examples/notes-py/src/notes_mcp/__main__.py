"""Command line: ``notes-mcp`` (stdio) or ``notes-mcp --http [--host H] [--port P]`` (Streamable HTTP)."""

from __future__ import annotations

import argparse

from notes_mcp.server import server


def main() -> None:
    parser = argparse.ArgumentParser(prog="notes-mcp", description="Notes MCP server.")
    parser.add_argument("--http", action="store_true", help="serve Streamable HTTP instead of stdio")
    parser.add_argument("--host", default="127.0.0.1", help="HTTP bind address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="HTTP port (default 8000)")
    parser.add_argument("--path", default="/mcp", help="HTTP endpoint path (default /mcp)")
    options = parser.parse_args()
    if options.http:
        server.run("streamable-http", host=options.host, port=options.port, streamable_http_path=options.path)
    else:
        server.run()


if __name__ == "__main__":
    main()
