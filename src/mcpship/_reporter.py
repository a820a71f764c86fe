"""How library code tells the user what it is doing without printing: an injected reporter."""

from __future__ import annotations

from typing import Protocol

__all__ = ["NullReporter", "Reporter"]


class Reporter(Protocol):
    def step(self, message: str) -> None:
        """A slow step starts (shown as a status line)."""

    def warn(self, message: str) -> None:
        """Something the user should know; the work goes on."""

    def debug(self, message: str) -> None:
        """Detail shown only with -v."""


class NullReporter:
    def step(self, message: str) -> None:
        pass

    def warn(self, message: str) -> None:
        pass

    def debug(self, message: str) -> None:
        pass
