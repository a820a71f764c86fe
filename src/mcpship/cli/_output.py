"""Terminal output: the reporter (status line on a TTY, quiet otherwise), errors as ``error:`` + ``hint:``, and
the one ``--json`` envelope every command prints, on success and on failure::

    {"ok": true, "result": <the command's payload>, "problems": [], "warnings": [<entry>, ...]}

A command hands its payload to :func:`json_result` (and findings to :func:`json_problem`); :func:`mcpship.cli.main`
prints the envelope once the command has ended, however it ended (:func:`print_envelope`). Problems and warnings
share one shape (:func:`entry`); docs/cli-json.schema.json describes it all.

Everything written here may quote a server, a registry or a bundle, so it all goes through
:func:`mcpship.cli._terminal.terminal_text` (``--json`` through :func:`~mcpship.cli._terminal.json_for_terminal`).
"""

from __future__ import annotations

import os
import sys
import time
from typing import TYPE_CHECKING, Any, Literal

import typer

from mcpship._exceptions import McpshipError
from mcpship.cli._app import current_state
from mcpship.cli._terminal import json_for_terminal, terminal_text

if TYPE_CHECKING:
    from rich.console import Console

    from mcpship._problems import Problem

__all__ = [
    "TerminalReporter",
    "console",
    "echo",
    "entry",
    "json_problem",
    "json_result",
    "print_envelope",
    "print_error",
    "print_usage_error",
    "quiet",
    "warn",
]

_WIDE = 10_000  # columns of a table written to a pipe or file: rows stay whole, names are never broken


class TerminalReporter:
    """Shows slow steps as a transient status line on an interactive stderr; ``-v`` adds debug lines."""

    def __init__(self, verbosity: int = 0) -> None:
        self.verbosity = verbosity
        self._status: Any = None
        self._started = time.perf_counter()

    def step(self, message: str) -> None:
        if quiet():
            return
        message = terminal_text(message)
        if not sys.stderr.isatty():
            if self.verbosity:
                sys.stderr.write(f"{message}\n")
            return
        from rich.console import Console
        from rich.text import Text

        if self._status is None:
            self._status = Console(stderr=True).status(Text(message))
            self._status.start()
        else:
            self._status.update(Text(message))

    def warn(self, message: str) -> None:
        self.close()
        warn(message)

    def debug(self, message: str) -> None:
        if self.verbosity:
            elapsed = (time.perf_counter() - self._started) * 1000
            stamp = f" @{time.time():.3f}" if os.environ.get("MCPSHIP_DEBUG_EPOCH") else ""
            sys.stderr.write(f"debug: {elapsed:6.0f} ms{stamp}  {terminal_text(message, multiline=True)}\n")

    def close(self) -> None:
        if self._status is not None:
            self._status.stop()
            self._status = None


def quiet() -> bool:
    """``-q`` was given: print errors only."""
    return current_state().quiet


def echo(text: str, *, err: bool = False) -> None:
    """A line for humans that may quote outside text (typer.echo, escaped for the terminal). ``-q`` drops the
    ones for stdout (results for humans); stderr keeps its diagnostics and prompts."""
    if err or not quiet():
        typer.echo(terminal_text(text, multiline=True), err=err)


def warn(message: str, *, hint: str | None = None) -> None:
    """A ``warning:`` line on stderr (none with ``-q``), and an entry of the ``--json`` envelope's warnings."""
    current_state().warnings.append(entry(message, hint=hint, severity="warning"))
    if not quiet():
        sys.stderr.write(f"warning: {terminal_text(message, multiline=True)}\n")


def console() -> Console:
    """The Rich console tables go to: silent with ``-q``; wide when stdout is not a terminal, so a file name in
    ``mcpship build . | cat`` is never broken across lines (Rich would wrap at 80 columns)."""
    from rich.console import Console

    return Console(quiet=quiet(), width=None if sys.stdout.isatty() else _WIDE)


# -- the --json envelope ----------------------------------------------------------------------------------------


def entry(
    message: str,
    *,
    hint: str | None = None,
    severity: Literal["error", "warning"] = "error",
    file: str | None = None,
    path: str | None = None,
    kind: str | None = None,
    exit_code: int | None = None,
) -> dict[str, Any]:
    """One problem or warning: what, how to fix it, where (file and JSON path or key) and, for the error that
    ended the command, its class and exit code."""
    return {
        "severity": severity,
        "message": message,
        "hint": hint,
        "file": file,
        "path": path,
        "kind": kind,
        "exitCode": exit_code,
    }


def problem_entry(problem: Problem) -> dict[str, Any]:
    return entry(problem.message, hint=problem.hint, severity=problem.severity, file=problem.file, path=problem.path)


def json_result(payload: Any) -> None:
    """The command's ``--json`` payload; :func:`mcpship.cli.main` prints it in the envelope when the command ends."""
    current_state().result = payload


def json_problem(problem: Problem) -> None:
    """A finding for the envelope: an error under ``problems``, a warning under ``warnings``."""
    state = current_state()
    (state.problems if problem.severity == "error" else state.warnings).append(problem_entry(problem))


def error_entry(error: BaseException, *, exit_code: int) -> dict[str, Any]:
    """The error that ended the command, as an envelope problem."""
    if isinstance(error, McpshipError):
        return entry(error.message, hint=error.hint, kind=type(error).__name__, exit_code=exit_code)
    message, hint = _usage_message(error)
    return entry(message, hint=hint, kind="UsageError", exit_code=exit_code)


def print_envelope(*, ok: bool) -> None:
    """``{"ok", "result", "problems", "warnings"}`` on stdout: the only thing ``--json`` prints there."""
    state = current_state()
    _print_json({"ok": ok, "result": state.result, "problems": state.problems, "warnings": state.warnings})


def print_error(error: McpshipError) -> None:
    sys.stderr.write(f"error: {terminal_text(error.message, multiline=True)}\n")
    if error.hint:
        sys.stderr.write(f"hint: {terminal_text(error.hint, multiline=True)}\n")


def _print_json(value: Any) -> None:
    """``--json`` output: every string exactly as received, in JSON escapes where a terminal would act on it."""
    sys.stdout.write(json_for_terminal(value) + "\n")


def print_usage_error(error: Exception) -> None:
    """A command line Typer could not parse, in the same ``error:``/``hint:`` shape as every other failure."""
    message, hint = _usage_message(error)
    sys.stderr.write(f"error: {terminal_text(message, multiline=True)}\n")
    sys.stderr.write(f"hint: {terminal_text(hint)}\n")


def _usage_message(error: BaseException) -> tuple[str, str]:
    format_message = getattr(error, "format_message", None)
    message = format_message() if callable(format_message) else str(error)
    context = getattr(error, "ctx", None)
    command = getattr(context, "command_path", None) or "mcpship"
    return message, f"see `{command} --help` for the accepted arguments and an example"
