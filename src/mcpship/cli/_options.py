"""Options several commands share, as ``Annotated`` aliases so each command reads as a signature."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = ["EnvOption", "JsonOption", "ProjectDir", "TimeoutOption"]

ProjectDir = Annotated[Path, typer.Argument(help="The project folder.")]
EnvOption = Annotated[
    list[str] | None, typer.Option("--env", "-e", help="Set a variable for the server: KEY=VALUE (repeatable).")
]
TimeoutOption = Annotated[float, typer.Option("--timeout", min=0.1, help="Seconds to wait for the server's answers.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables (for scripts).")]
