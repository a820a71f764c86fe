"""The one sanitiser every human-facing output uses, and the JSON encoder ``--json`` uses."""

from __future__ import annotations

import io
import json
import re
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.table import Table

from mcpship.cli._terminal import cell, json_for_terminal, terminal_text

OSC_TITLE = "\x1b]0;pwned\x07"
CSI_CLEAR = "\x1b[2J"
OSC8_LINK = "\x1b]8;;https://evil.example/\x1b\\https://docs.example/\x1b]8;;\x1b\\"
BIDI = {chr(code) for code in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}

# Anything a terminal could act on: C0 (but tab/newline when allowed), DEL, C1, bidi controls, surrogates.
ACTIVE_IN_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
ACTIVE_IN_TEXT = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")

strict = settings(max_examples=300, derandomize=True, deadline=None)
any_text = st.text(alphabet=st.characters(codec=None, min_codepoint=0, max_codepoint=0x10FFFF), max_size=60)


def test_escape_sequences_become_visible_text_without_the_escape_byte() -> None:
    shown = terminal_text(f"evil{OSC_TITLE}{CSI_CLEAR}")
    assert shown == "evil\\x1b]0;pwned\\x07\\x1b[2J"
    assert "\x1b" not in terminal_text(OSC8_LINK)


def test_c1_controls_bidi_overrides_and_carriage_returns_are_escaped() -> None:
    assert terminal_text("\x9b31m \u202eexe.txt a\rb") == "\\x9b31m \\u202eexe.txt a\\rb"


def test_newlines_and_tabs_stay_only_in_multiline_text() -> None:
    assert terminal_text("a\tb\nc") == "a\\tb\\nc"
    assert terminal_text("a\tb\nc", multiline=True) == "a\tb\nc"


def test_ordinary_text_in_any_script_is_left_alone() -> None:
    text = "Notes — zápisky, заметки, ノート, ملاحظات 👩‍💻 [bold]"
    assert terminal_text(text) == text


@strict
@given(any_text)
def test_nothing_a_terminal_acts_on_survives_in_one_line_text(text: str) -> None:
    shown = terminal_text(text)
    assert not ACTIVE_IN_LINE.search(shown)
    shown.encode("utf-8")  # printable: no lone surrogate left


@strict
@given(any_text)
def test_nothing_a_terminal_acts_on_survives_in_multiline_text(text: str) -> None:
    shown = terminal_text(text, multiline=True)
    assert not ACTIVE_IN_TEXT.search(shown)
    assert shown.count("\n") == text.count("\n")


@settings(max_examples=100, derandomize=True, deadline=None)
@given(
    st.recursive(
        any_text | st.integers(),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(any_text, inner, max_size=4),
        max_leaves=12,
    )
)
def test_json_output_is_the_same_value_with_nothing_a_terminal_acts_on(value: object) -> None:
    text = json_for_terminal(value)
    assert json.loads(text) == value
    assert not ACTIVE_IN_TEXT.search(text)
    assert not any(character in BIDI or unicodedata.category(character) == "Cs" for character in text)


def test_a_rich_table_cell_is_neither_markup_nor_escape_sequence() -> None:
    table = Table()
    table.add_column("name")
    table.add_row(cell(f"[bold red]x[/] [/]{OSC_TITLE}"))  # "[/]" alone would raise MarkupError as markup
    out = io.StringIO()
    Console(file=out, width=200, force_terminal=False).print(table)
    assert "[bold red]x[/] [/]\\x1b]0;pwned\\x07" in out.getvalue()
    assert "\x1b" not in out.getvalue()


def test_each_character_class_is_escaped_exactly_up_to_its_bounds_and_not_beyond() -> None:
    escaped = [
        ("\x00", "\\x00"),
        ("\x08", "\\x08"),
        ("\x0b", "\\x0b"),
        ("\x1b", "\\x1b"),
        ("\x1f", "\\x1f"),
        ("\x7f", "\\x7f"),
        ("\x80", "\\x80"),
        ("\x9f", "\\x9f"),
        ("\u202a", "\\u202a"),
        ("\u202e", "\\u202e"),
        ("\u2066", "\\u2066"),
        ("\u2069", "\\u2069"),
        ("\ud800", "\\ud800"),
        ("\udfff", "\\udfff"),
    ]
    for character, shown in escaped:
        assert terminal_text(f"a{character}b") == f"a{shown}b", repr(character)
        assert terminal_text(f"a{character}b", multiline=True) == f"a{shown}b", repr(character)
    kept = [" ", "~", "\xa0", "\xff", "\u0100", "\u200e", "\u200f", "\u2029", "\u202f", "\u2065", "\u206a", "\ud7ff"]
    for character in [*kept, "\ue000", "\U0001f600"]:
        assert terminal_text(f"a{character}b") == f"a{character}b", repr(character)
        assert terminal_text(f"a{character}b", multiline=True) == f"a{character}b", repr(character)


def test_tab_newline_and_carriage_return_are_shown_by_their_names() -> None:
    assert terminal_text("\t\n\r") == "\\t\\n\\r"
    assert terminal_text("\t\n\r", multiline=True) == "\t\n\\r"


def test_json_for_terminal_escapes_c1_bidi_and_surrogates_as_json_and_keeps_other_text() -> None:
    value = {"b": "\x9b31m\u202eé\ud800\x1b", "a": ["\x7f", "\xa0"]}
    assert json_for_terminal(value) == (
        '{\n  "b": "\\u009b31m\\u202eé\\ud800\\u001b",\n  "a": [\n    "\\u007f",\n    "\xa0"\n  ]\n}'
    )


def test_a_cell_is_the_escaped_text_of_any_value_with_the_given_style() -> None:
    assert cell("a\nb\x1b").plain == "a\\nb\\x1b"
    assert cell("a\nb\x1b", multiline=True).plain == "a\nb\\x1b"
    assert cell(3).plain == "3"
    assert cell("x").style == ""
    assert cell("x", style="bold").style == "bold"
