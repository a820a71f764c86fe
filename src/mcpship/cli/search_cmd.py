"""``mcpship search``: find servers in an MCP registry (ranked when the registry is mcpship's)."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Any

import typer

from mcpship.cli._app import app
from mcpship.cli._options import JsonOption
from mcpship.cli._output import echo, json_result
from mcpship.cli._terminal import cell, terminal_text

if TYPE_CHECKING:
    from mcpship.registry_client.client import SearchResult

_EPILOG = """Examples:

  mcpship search notes                                 # in the registry of your last `mcpship login`
  mcpship search "pull requests" --registry http://127.0.0.1:8080 --limit 5
  mcpship search github --json | jq -r '.result.servers[].server.name'
"""


@app.command(epilog=_EPILOG)
def search(
    query: Annotated[str, typer.Argument(help="Words to look for (name, title, description, tools).")],
    registry: Annotated[
        str | None,
        typer.Option(
            "--registry",
            help="The registry's URL (default: $MCPSHIP_REGISTRY, else that of your last `mcpship login`, else the"
            " official registry).",
        ),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=100, help="At most this many servers.")] = 20,
    as_json: JsonOption = False,
) -> None:
    """Search an MCP registry: ranked by relevance on mcpship registries, else the official name search."""
    from mcpship.registry_client.search import search_registry

    result = search_registry(query, registry=registry, limit=limit)
    if as_json:
        json_result({"registry": result.registry, "query": query, "ranked": result.ranked, "servers": result.servers})
        return
    rows = [_row(entry) for entry in result.servers]
    if not rows:
        echo(f"no server in {result.registry} matches {query!r}", err=True)
        return
    if sys.stdout.isatty():
        _table(rows, result, result.registry)
    else:
        for row in rows:  # one line per server, fields tab-separated: tabs and newlines in a field are escaped
            echo("\t".join(terminal_text(field) for field in row))


def _row(entry: Mapping[str, Any]) -> tuple[str, str, str, str]:
    server = entry.get("server") if isinstance(entry.get("server"), Mapping) else entry
    assert isinstance(server, Mapping)
    return (
        str(server.get("name", "")),
        str(server.get("version", "")),
        str(server.get("description", "")),
        _packages(server),
    )


def _packages(server: Mapping[str, Any]) -> str:
    """``pypi:notes-mcp, npm:@acme/notes, remote:streamable-http``: how the server can be installed or reached."""
    parts = [
        f"{package.get('registryType', '?')}:{package.get('identifier', '?')}"
        for package in server.get("packages") or []
        if isinstance(package, Mapping)
    ]
    parts += [
        f"remote:{remote.get('type', '?')}" for remote in server.get("remotes") or [] if isinstance(remote, Mapping)
    ]
    return ", ".join(parts)


def _table(rows: list[tuple[str, str, str, str]], result: SearchResult, registry: str) -> None:
    from rich.table import Table

    from mcpship.cli._output import console

    order = "by relevance" if result.ranked else "by name"
    table = Table(title=cell(f"{len(rows)} server(s) in {registry}, {order}"), title_justify="left")
    table.add_column("name", style="bold", no_wrap=True)
    table.add_column("version", no_wrap=True)
    table.add_column("description")
    table.add_column("packages")
    for row in rows:  # registry text: escaped, and never read as Rich markup
        table.add_row(*(cell(field) for field in row))
    console().print(table)
