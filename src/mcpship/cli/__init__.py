"""``mcpship`` command line: a thin shell over the library; one module per command, imported when it runs
(``_commands.COMMANDS`` lists them).

Importing this package loads neither Typer nor the application: :func:`main` first starts the server an
``inspect``/``lock`` command line names (``_prespawn``), then loads them, so the server boots meanwhile.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from mcpship.cli._prespawn import prespawn

if TYPE_CHECKING:
    from mcpship.cli._app import State

__all__ = ["app", "main"]


def __getattr__(name: str) -> Any:
    if name == "app":  # the Typer application, loaded on first use
        from mcpship.cli._app import app

        return app
    raise AttributeError(f"module 'mcpship.cli' has no attribute {name!r}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the exit code (the console script passes it to ``sys.exit``)."""
    args = list(sys.argv[1:] if argv is None else argv)
    # Split at the first "--" ourselves: click would hand the server's command to our positional arguments.
    passthrough: list[str] = []
    if "--" in args:
        index = args.index("--")
        args, passthrough = args[:index], args[index + 1 :]
    prespawned = prespawn(args, passthrough)  # before Typer and the app load: the server boots meanwhile
    try:
        import typer.main

        from mcpship.cli._app import State, app, set_current_state

        state = State(passthrough=passthrough, prespawned=prespawned)
        set_current_state(state)
        return _run(typer.main.get_command(app), args, state)
    finally:
        if prespawned is not None:  # not adopted (a parse error, another plan), or interrupted while loading
            prespawned.discard()


def _run(command: Any, args: list[str], state: State) -> int:
    """Run the command; with ``--json``, print the envelope once it has ended, however it ended."""
    import traceback

    import typer

    from mcpship._exceptions import McpshipError
    from mcpship.cli._output import print_envelope, print_error, print_usage_error

    try:
        result = command.main(args=args, prog_name="mcpship", standalone_mode=False, obj=state)
    except McpshipError as error:
        if state.verbosity:
            traceback.print_exc()
        print_error(error)
        return _failed(state, error, error.exit_code, json_requested="--json" in args)
    except typer.Exit as done:  # --help, --version
        return int(done.exit_code)
    except typer.Abort:
        sys.stderr.write("aborted\n")
        return _failed(state, McpshipError("aborted"), 130, json_requested="--json" in args)
    except typer.TyperException as error:  # usage errors: unknown option, missing value, bad type
        print_usage_error(error)
        return _failed(state, error, int(getattr(error, "exit_code", 2)), json_requested="--json" in args)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return _failed(state, McpshipError("interrupted"), 130, json_requested="--json" in args)
    code = result if isinstance(result, int) else 0
    if state.json:
        print_envelope(ok=code == 0)
    return code


def _failed(state: State, error: BaseException, exit_code: int, *, json_requested: bool) -> int:
    from mcpship.cli._output import error_entry, print_envelope

    # A command line that failed to parse never reached --json's callback: the word on the line decides.
    if state.json or json_requested:
        state.problems.append(error_entry(error, exit_code=exit_code))
        print_envelope(ok=False)
    return exit_code


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
