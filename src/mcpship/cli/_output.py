"""Terminal output: the reporter (status line on a TTY, quiet otherwise), errors as ``error:`` + ``hint:``."""

from __future__ import annotations

import json
import sys
from typing import Any

from mcpship._exceptions import McpshipError

__all__ = ["TerminalReporter", "print_error", "print_json"]


class TerminalReporter:
    """Shows slow steps as a transient status line on an interactive stderr; ``-v`` adds debug lines."""

    def __init__(self, verbosity: int = 0) -> None:
        self.verbosity = verbosity
        self._status: Any = None

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
            sys.stderr.write(f"debug: {message}\n")

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
