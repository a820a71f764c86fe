"""One row of ``mcpship verify``: an artifact, how it was run, and whether it served the locked interface."""

from __future__ import annotations

from dataclasses import dataclass, field

from mcpship.interface.diff import ItemChange
from mcpship.targets._base import Artifact

__all__ = ["VerifyResult"]


@dataclass(frozen=True, kw_only=True)
class VerifyResult:
    artifact: Artifact
    how: str
    """The way it was run or checked, e.g. ``uv tool run --isolated --from <wheel> notes-mcp``."""
    status: str
    """``ok``, ``failed`` or ``skipped``."""
    seconds: float | None = None
    """From start until the whole interface was listed."""
    matches: bool | None = None
    """The live interface equals the lock (None when nothing ran)."""
    detail: str = ""
    changes: list[ItemChange] = field(default_factory=list)
    missing: str | None = None
    """Not run because this machine lacks what runs it: how to install that (``verify`` then exits 4)."""
