"""The Typer application: global options; each command lives in its own module."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import typer

from mcpship.__about__ import __version__
from mcpship.cli._commands import LazyGroup

if TYPE_CHECKING:
    from mcpship.cli._prespawn import Prespawned
    from mcpship.probe import Spawner

__all__ = ["State", "app", "current_state"]


@dataclass
class State:
    """One run of the CLI: its global options and what ``--json`` will print (the envelope, see ``_output``)."""

    verbosity: int = 0
    quiet: bool = False
    """``-q``: only errors; no progress, tables, summaries or warnings on the terminal."""
    passthrough: list[str] = field(default_factory=list)
    """Everything after ``--`` on the command line (a server command, or the server's own arguments)."""
    prespawned: Prespawned | None = None
    json: bool = False
    """``--json`` was given: :func:`mcpship.cli.main` prints the envelope once the command ends, however it ends."""
    result: Any = None
    """The command's ``--json`` payload (what it had so far, when it failed)."""
    problems: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)

    @property
    def spawner(self) -> Spawner | None:
        return self.prespawned.spawner if self.prespawned is not None else None


_CURRENT: ContextVar[State] = ContextVar("mcpship_cli_state")


def current_state() -> State:
    """The running command's state (a fresh one outside :func:`mcpship.cli.main`, e.g. a test calling a helper)."""
    state = _CURRENT.get(None)
    if state is None:
        state = State()
        _CURRENT.set(state)
    return state


def set_current_state(state: State) -> None:
    _CURRENT.set(state)


app = typer.Typer(
    cls=LazyGroup,
    name="mcpship",
    help="Package MCP servers once, install them anywhere.\n\n"
    "Describe a server once (mcpship.toml), inspect it live, lock its interface, then build, verify and "
    "publish every distribution format from that one description.\n\n"
    "Every command takes --json (one envelope, also on failure: docs/cli.md) and -v/-q before or after its name.",
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
    verbose: int = typer.Option(
        0, "--verbose", "-v", count=True, show_default=False, help="More detail; tracebacks on errors."
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Only errors: no progress, tables or warnings."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version."),
) -> None:
    state = ctx.ensure_object(State)
    state.verbosity += verbose
    state.quiet = state.quiet or quiet
