"""How to reach a server: a process to start over stdio, or a Streamable HTTP URL."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["HttpPlan", "LaunchPlan", "StdioPlan"]


@dataclass(frozen=True, kw_only=True)
class StdioPlan:
    argv: tuple[str, ...]
    env: dict[str, str] = field(repr=False)
    cwd: Path | None = None
    label: str
    """What the user asked for, e.g. ``examples/notes-py`` or ``pypi:mcp-server-time``."""

    @property
    def display_command(self) -> str:
        return " ".join(self.argv)


@dataclass(frozen=True, kw_only=True)
class HttpPlan:
    url: str
    headers: dict[str, str] = field(default_factory=dict, repr=False)
    label: str


LaunchPlan = StdioPlan | HttpPlan
