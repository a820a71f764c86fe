"""Options several commands share, as ``Annotated`` aliases so each command reads as a signature."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = [
    "EnvOption",
    "IndexUrlOption",
    "JsonOption",
    "MaxMessageOption",
    "NpmRegistryOption",
    "NpmTagOption",
    "ProjectDir",
    "RepositoryUrlOption",
    "TimeoutOption",
]

ProjectDir = Annotated[Path, typer.Argument(help="The project folder.")]
EnvOption = Annotated[
    list[str] | None, typer.Option("--env", "-e", help="Set a variable for the server: KEY=VALUE (repeatable).")
]
TimeoutOption = Annotated[float, typer.Option("--timeout", min=0.1, help="Seconds to wait for the server's answers.")]
MaxMessageOption = Annotated[
    int,
    typer.Option(
        "--max-message-mib",
        min=1,
        max=1024,
        help="Largest single message (stdout line, HTTP body) accepted from the server, in MiB; the whole "
        "inspection may receive 8 times that.",
    ),
]


def _json_requested(ctx: typer.Context, value: bool) -> bool:
    if value:
        from mcpship.cli._app import State

        ctx.ensure_object(State).json = True
    return value


JsonOption = Annotated[
    bool,
    typer.Option(
        "--json",
        callback=_json_requested,
        help='Print one JSON document instead of tables: {"ok", "result", "problems", "warnings"}, also on failure.',
    ),
]

# The package channels' destinations, shared by `publish` and `release`.
RepositoryUrlOption = Annotated[
    str | None,
    typer.Option("--repository-url", help="pypi: the upload URL (default: https://upload.pypi.org/legacy/)."),
]
IndexUrlOption = Annotated[
    str | None,
    typer.Option("--index-url", help="pypi: the simple API to check first (default: next to the upload URL)."),
]
NpmRegistryOption = Annotated[
    str | None, typer.Option("--npm-registry", help="npm: the registry (default: what .npmrc says).")
]
NpmTagOption = Annotated[str | None, typer.Option("--npm-tag", help="npm: the dist-tag (default: latest).")]
