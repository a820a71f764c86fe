"""The Typer application: global options; each command lives in its own module."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import typer

from mcpship.__about__ import __version__

if TYPE_CHECKING:
    from mcpship.cli._prespawn import Prespawned
    from mcpship.probe import Spawner

__all__ = ["State", "app"]


@dataclass
class State:
    verbosity: int = 0
    passthrough: list[str] = field(default_factory=list)
    """Everything after ``--`` on the command line (a server command, or the server's own arguments)."""
    prespawned: Prespawned | None = None

    @property
    def spawner(self) -> Spawner | None:
        return self.prespawned.spawner if self.prespawned is not None else None


app = typer.Typer(
    name="mcpship",
    help="Package MCP servers once, install them anywhere.\n\n"
    "Describe a server once (mcpship.toml), inspect it live, lock its interface, then build, verify and "
    "publish every distribution format from that one description.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"mcpship {__version__}")
        raise typer.Exit


@app.callback()
def _main(
    ctx: typer.Context,
    verbose: int = typer.Option(0, "--verbose", "-v", count=True, help="More detail; tracebacks on errors."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version."),
) -> None:
    state = ctx.ensure_object(State)
    state.verbosity = verbose
