"""``mcpship registry``: run and feed a self-hosted MCP Registry (``serve``; ``mirror`` lives in its own module)."""

from __future__ import annotations

import typer

from mcpship.cli._app import app

__all__ = ["registry_app"]

registry_app = typer.Typer(
    name="registry",
    help="Run a self-hosted MCP Registry compatible with the official API (needs `pip install 'mcpship[registry]'`).",
    no_args_is_help=True,
)
app.add_typer(registry_app, name="registry")
