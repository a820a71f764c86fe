"""``mcpship`` command line: a thin shell over the library; one module per command."""

from __future__ import annotations

import sys
import traceback
from collections.abc import Sequence

import click
import typer.main

from mcpship._exceptions import McpshipError
from mcpship.cli import init_cmd, inspect_cmd, lock_cmd, spec_cmd
from mcpship.cli._app import State, app
from mcpship.cli._output import print_error

__all__ = ["app", "main"]

_COMMANDS = (init_cmd, inspect_cmd, lock_cmd, spec_cmd)  # imported for their @app.command registrations


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the exit code (the console script passes it to ``sys.exit``)."""
    args = list(sys.argv[1:] if argv is None else argv)
    # Split at the first "--" ourselves: click would hand the server's command to our positional arguments.
    passthrough: list[str] = []
    if "--" in args:
        index = args.index("--")
        args, passthrough = args[:index], args[index + 1 :]
    state = State(passthrough=passthrough)
    command = typer.main.get_command(app)
    try:
        result = command.main(args=args, prog_name="mcpship", standalone_mode=False, obj=state)
    except McpshipError as error:
        if state.verbosity:
            traceback.print_exc()
        print_error(error)
        return error.exit_code
    except click.exceptions.Exit as done:
        return done.exit_code
    except click.ClickException as error:
        error.show()
        return error.exit_code
    except click.exceptions.Abort:
        sys.stderr.write("aborted\n")
        return 130
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130
    return result if isinstance(result, int) else 0


def entrypoint() -> None:
    sys.exit(main())
