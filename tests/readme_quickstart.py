"""The README's quickstart commands, read from the first fenced block under its ``## Quickstart`` heading.

``dev/fresh-clone`` runs them on a fresh clone (``python3 tests/readme_quickstart.py README.md`` prints one a line)
and tests/unit/test_dev_fresh_clone.py checks their shape, so the commands tested are the commands documented.
Standard library only: ``dev/fresh-clone`` runs it with the system's Python before any environment exists.
"""

from __future__ import annotations

import sys
from pathlib import Path

__all__ = ["QuickstartError", "quickstart_commands"]

HEADING = "## Quickstart"


class QuickstartError(ValueError):
    """The README has no quickstart block to read commands from."""


def quickstart_commands(readme: str) -> list[str]:
    """The shell commands of the quickstart block: its lines without blank lines and ``#`` comments, a line ending
    in a backslash joined with the next."""
    lines = readme.splitlines()
    try:
        start = next(index for index, line in enumerate(lines) if line.strip() == HEADING)
    except StopIteration:
        raise QuickstartError(f"no {HEADING!r} heading in the README") from None
    section = lines[start + 1 :]
    end = next((index for index, line in enumerate(section) if line.startswith("## ")), len(section))
    section = section[:end]
    try:
        opening = next(index for index, line in enumerate(section) if line.startswith("```"))
        closing = next(index for index, line in enumerate(section) if index > opening and line.strip() == "```")
    except StopIteration:
        raise QuickstartError(f"no closed ``` block under {HEADING!r} in the README") from None
    commands: list[str] = []
    pending = ""
    for line in section[opening + 1 : closing]:
        text = line.strip()
        if not pending and (not text or text.startswith("#")):
            continue
        if text.endswith("\\"):
            pending += text[:-1].rstrip() + " "
            continue
        commands.append(pending + text)
        pending = ""
    if pending:
        raise QuickstartError(f"the last command under {HEADING!r} ends in a line continuation")
    return commands


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python3 tests/readme_quickstart.py README.md", file=sys.stderr)
        return 2
    try:
        commands = quickstart_commands(Path(argv[0]).read_text(encoding="utf-8"))
    except (OSError, QuickstartError) as error:
        print(f"error: {argv[0]}: {error}", file=sys.stderr)
        return 2
    for command in commands:
        print(command)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
