"""The command table's finishing: help text shown literally, option values named as users read them."""

from __future__ import annotations

import pytest
from rich.text import Text

from mcpship.cli._commands import _escape

LITERAL = [
    "Target(s) to build (default: the spec's [targets]).",
    "needs `pip install 'mcpship[registry]'`",
    "pypi:NAME[==VER|@VER] or npm:NAME[@VER]",
    "[bold]not markup[/bold] and [/] and [#ff0000]",
    "a backslash before a bracket: \\[kept] and a trailing one \\",
    "no brackets at all",
]


@pytest.mark.parametrize("text", LITERAL)
def test_escaped_help_text_renders_exactly_as_written(text: str) -> None:
    assert Text.from_markup(_escape(text) or "").plain == text


def test_empty_help_stays_empty() -> None:
    assert _escape(None) is None
    assert _escape("") == ""
