"""One finding of a check or validator: where (file and JSON path or key), what, and how to fix it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

__all__ = ["Findings", "Location", "Problem", "json_path"]

Location = tuple[str | int, ...]
"""A JSON path as parts: ``("packages", 0, "transport")``."""


@dataclass(frozen=True, kw_only=True)
class Problem:
    file: str
    """The file the problem is in (a path, or ``bundle.mcpb!manifest.json`` for a file inside an archive)."""
    path: str
    """JSON path (``$.packages[0].transport``) or TOML key (``[run].command``); ``$`` for the whole file."""
    message: str
    hint: str | None = None
    severity: Literal["error", "warning"] = "error"

    def render(self) -> str:
        return f"{self.file}: {self.path}: {self.message}"


def json_path(*parts: str | int) -> str:
    """``json_path("packages", 0, "transport")`` -> ``$.packages[0].transport``."""
    text = "$"
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


@dataclass
class Findings:
    """The problems a validator finds in one file, each at a JSON path: ``findings.error(("name",), message,
    hint)``. The server.json rules and the catalog targets' validators collect with it."""

    source: str
    problems: list[Problem] = field(default_factory=list)

    def error(self, at: Location, message: str, hint: str) -> None:
        self._add(at, message, hint, "error")

    def warning(self, at: Location, message: str, hint: str) -> None:
        self._add(at, message, hint, "warning")

    def _add(self, at: Location, message: str, hint: str, severity: Literal["error", "warning"]) -> None:
        self.problems.append(
            Problem(file=self.source, path=json_path(*at), message=message, hint=hint, severity=severity)
        )
