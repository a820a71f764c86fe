"""One finding of a check or validator: where (file and JSON path or key), what, and how to fix it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["Problem", "json_path"]


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
