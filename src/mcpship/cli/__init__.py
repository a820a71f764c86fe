"""``mcpship`` command line: a thin shell over the library; one module per command."""

from __future__ import annotations

import gc
import os
import sys
import traceback
from collections.abc import Sequence
from typing import Any

import typer
import typer.main

from mcpship._exceptions import McpshipError
from mcpship.cli import (
    build_cmd,
    init_cmd,
    inspect_cmd,
    lock_cmd,
    login_cmd,
    publish_cmd,
    registry_cmd,
    registry_mirror_cmd,
    search_cmd,
    spec_cmd,
    verify_cmd,
)
from mcpship.cli._app import State, app
from mcpship.cli._output import print_error, print_usage_error
from mcpship.cli._prespawn import prespawn

__all__ = ["app", "main"]

_COMMANDS = (
    build_cmd,
    init_cmd,
    inspect_cmd,
    lock_cmd,
    login_cmd,
    publish_cmd,
    registry_cmd,
    registry_mirror_cmd,
    search_cmd,
    spec_cmd,
    verify_cmd,
)  # imported for their @app.command registrations


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the exit code (the console script passes it to ``sys.exit``)."""
    args = list(sys.argv[1:] if argv is None else argv)
    # Split at the first "--" ourselves: click would hand the server's command to our positional arguments.
    passthrough: list[str] = []
    if "--" in args:
        index = args.index("--")
        args, passthrough = args[:index], args[index + 1 :]
    state = State(passthrough=passthrough, prespawned=prespawn(args, passthrough))
    command = typer.main.get_command(app)
    try:
        return _run(command, args, state)
    finally:
        if state.prespawned is not None:
            state.prespawned.discard()


def _run(command: Any, args: list[str], state: State) -> int:
    try:
        result = command.main(args=args, prog_name="mcpship", standalone_mode=False, obj=state)
    except McpshipError as error:
        if state.verbosity:
            traceback.print_exc()
        print_error(error)
        return error.exit_code
    except typer.Exit as done:
        return int(done.exit_code)
    except typer.Abort:
        sys.stderr.write("aborted\n")
        return 130
    except typer.TyperException as error:  # usage errors: unknown option, missing value, bad type
        print_usage_error(error)
        return int(getattr(error, "exit_code", 2))
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130
    return result if isinstance(result, int) else 0


def entrypoint() -> None:
    """The console script. Two start-up/shutdown costs are avoided here, not in :func:`main` (tests, embedders):

    * the cyclic GC runs far less often: importing the MCP SDK builds many pydantic schemas and the default
      thresholds collect hundreds of times (~150 ms of a ~700 ms import);
    * the interpreter's teardown is skipped with ``os._exit`` once output is flushed (~350 ms after the SDK is
      loaded). By then every file was written atomically and closed, and every server process was stopped.
    """
    gc.set_threshold(100_000, 50, 100)
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:  # `mcpship inspect --json | head`: the reader left; nothing more to say
        code = code or 1
    os._exit(code)
