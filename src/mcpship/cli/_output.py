"""Terminal output: the reporter (status line on a TTY, quiet otherwise), errors as ``error:`` + ``hint:``."""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any

from mcpship._exceptions import McpshipError

__all__ = ["TerminalReporter", "print_error", "print_json", "print_usage_error"]


class TerminalReporter:
    """Shows slow steps as a transient status line on an interactive stderr; ``-v`` adds debug lines."""

    def __init__(self, verbosity: int = 0) -> None:
        self.verbosity = verbosity
        self._status: Any = None
        self._started = time.perf_counter()

    def step(self, message: str) -> None:
        if not sys.stderr.isatty():
            if self.verbosity:
                sys.stderr.write(f"{message}\n")
            return
        from rich.console import Console

        if self._status is None:
            self._status = Console(stderr=True).status(message)
            self._status.start()
        else:
            self._status.update(message)

    def warn(self, message: str) -> None:
        self.close()
        sys.stderr.write(f"warning: {message}\n")

    def debug(self, message: str) -> None:
        if self.verbosity:
            elapsed = (time.perf_counter() - self._started) * 1000
            stamp = f" @{time.time():.3f}" if os.environ.get("MCPSHIP_DEBUG_EPOCH") else ""
            sys.stderr.write(f"debug: {elapsed:6.0f} ms{stamp}  {message}\n")

    def close(self) -> None:
        if self._status is not None:
            self._status.stop()
            self._status = None


def print_error(error: McpshipError) -> None:
    sys.stderr.write(f"error: {error.message}\n")
    if error.hint:
        sys.stderr.write(f"hint: {error.hint}\n")


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, indent=2, ensure_ascii=False) + "\n")


def print_usage_error(error: Exception) -> None:
    """A command line Typer could not parse, in the same ``error:``/``hint:`` shape as every other failure."""
    format_message = getattr(error, "format_message", None)
    message = format_message() if callable(format_message) else str(error)
    context = getattr(error, "ctx", None)
    command = getattr(context, "command_path", None) or "mcpship"
    sys.stderr.write(f"error: {message}\n")
    sys.stderr.write(f"hint: see `{command} --help` for the accepted arguments and an example\n")
