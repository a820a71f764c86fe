"""Terminal output: the reporter (status line on a TTY, quiet otherwise), errors as ``error:`` + ``hint:``.

Everything written here may quote a server, a registry or a bundle, so it all goes through
:func:`mcpship.cli._terminal.terminal_text` (``--json`` through :func:`~mcpship.cli._terminal.json_for_terminal`).
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

import typer

from mcpship._exceptions import McpshipError
from mcpship.cli._terminal import json_for_terminal, terminal_text

__all__ = ["TerminalReporter", "echo", "print_error", "print_json", "print_usage_error"]


class TerminalReporter:
    """Shows slow steps as a transient status line on an interactive stderr; ``-v`` adds debug lines."""

    def __init__(self, verbosity: int = 0) -> None:
        self.verbosity = verbosity
        self._status: Any = None
        self._started = time.perf_counter()

    def step(self, message: str) -> None:
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
        sys.stderr.write(f"warning: {terminal_text(message, multiline=True)}\n")

    def debug(self, message: str) -> None:
        if self.verbosity:
            elapsed = (time.perf_counter() - self._started) * 1000
            stamp = f" @{time.time():.3f}" if os.environ.get("MCPSHIP_DEBUG_EPOCH") else ""
            sys.stderr.write(f"debug: {elapsed:6.0f} ms{stamp}  {terminal_text(message, multiline=True)}\n")

    def close(self) -> None:
        if self._status is not None:
            self._status.stop()
            self._status = None


def echo(text: str, *, err: bool = False) -> None:
    """A line for humans that may quote outside text (typer.echo, escaped for the terminal)."""
    typer.echo(terminal_text(text, multiline=True), err=err)


def print_error(error: McpshipError) -> None:
    sys.stderr.write(f"error: {terminal_text(error.message, multiline=True)}\n")
    if error.hint:
        sys.stderr.write(f"hint: {terminal_text(error.hint, multiline=True)}\n")


def print_json(value: Any) -> None:
    """``--json`` output: every string exactly as received, in JSON escapes where a terminal would act on it."""
    sys.stdout.write(json_for_terminal(value) + "\n")


def print_usage_error(error: Exception) -> None:
    """A command line Typer could not parse, in the same ``error:``/``hint:`` shape as every other failure."""
    format_message = getattr(error, "format_message", None)
    message = format_message() if callable(format_message) else str(error)
    context = getattr(error, "ctx", None)
    command = getattr(context, "command_path", None) or "mcpship"
    sys.stderr.write(f"error: {terminal_text(message, multiline=True)}\n")
    sys.stderr.write(f"hint: see `{terminal_text(command)} --help` for the accepted arguments and an example\n")
