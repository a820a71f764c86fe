"""Text from servers, registries and bundles, made safe to show on a terminal.

A tool name, a registry description or a server's stderr may carry terminal control sequences: CSI
(``ESC [``: clear the screen, move the cursor, recolour), OSC (``ESC ]``: set the window title, OSC 8
hyperlinks that show one URL and open another, OSC 52 clipboard writes), DCS and the rest, their 8-bit C1
forms, a carriage return that overwrites the line, or Unicode bidi overrides that make text read other
than it is ("Trojan Source", CVE-2021-42574). Each such character is shown as a visible escape (``\\x1b``,
``\\u202e``) instead of reaching the terminal: without its introducer the rest of a sequence is plain text,
and the reader sees that something was there. Lone surrogates, which cannot be written as UTF-8, are
escaped the same way.

Every human-facing output of the CLI passes through :func:`terminal_text` (tables as :class:`rich.text.Text`,
via :func:`cell`, so ``[bold]`` in a name is not Rich markup either); ``--json`` output keeps every string
exactly, with JSON's own escapes (:func:`json_for_terminal`).
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.text import Text

__all__ = ["cell", "json_for_terminal", "terminal_text"]

_BIDI = "\u202a-\u202e\u2066-\u2069"  # embeddings, overrides and isolates; the plain marks (LRM, RLM) are harmless
_SURROGATES = "\ud800-\udfff"
_UNSAFE_IN_LINE = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI}{_SURROGATES}]")
_UNSAFE_IN_TEXT = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}{_SURROGATES}]")  # keeps \t and \n
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}
_UNSAFE_IN_JSON = re.compile(f"[\x7f-\x9f{_BIDI}{_SURROGATES}]")  # json.dumps already escapes C0


def terminal_text(text: str, *, multiline: bool = False) -> str:
    """``text`` with every control character, bidi override and lone surrogate shown as an escape.

    ``multiline`` keeps newlines and tabs (error messages, stderr tails); otherwise they are escaped too, so
    one value stays on one line (table cells, tab-separated output).
    """
    return (_UNSAFE_IN_TEXT if multiline else _UNSAFE_IN_LINE).sub(_visible, text)


def cell(value: object, *, style: str = "", multiline: bool = False) -> Text:
    """A Rich table cell or line holding ``value`` as plain text: escaped for the terminal, never Rich markup."""
    from rich.text import Text  # only when rendering: the CLI's start-up stays light

    return Text(terminal_text(str(value), multiline=multiline), style=style)


def json_for_terminal(value: Any) -> str:
    """Indented JSON in which C1 controls, bidi overrides and lone surrogates are ``\\uXXXX`` escapes, as C0
    controls already are: the same JSON value, but nothing in it acts on the terminal it is printed to."""
    text = json.dumps(value, indent=2, ensure_ascii=False)
    return _UNSAFE_IN_JSON.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


def _visible(match: re.Match[str]) -> str:
    character = match.group()
    if character in _NAMED:
        return _NAMED[character]
    code = ord(character)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"
