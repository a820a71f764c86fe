"""The YAML writer of the catalog targets: what it writes is read back unchanged by PyYAML."""

from __future__ import annotations

from typing import Any

from mcpship.targets._yaml import dump_yaml
from tests.unit.targets.catalog_support import load_yaml

TRICKY_STRINGS = [
    "plain words",
    "yes", "No", "on", "OFF", "y", "n", "null", "~", "true", "False",
    "1", "0123", "1.0", "1e3", "0x1f", "1_000", "12:30", "2024-01-01", ".inf", "-", "- x", "",
    " leading", "trailing ", "a: b", "a #b", "#x", "key:", "{{notes.dir}}", "[x]", "&a", "*a", "!tag", "|", ">",
    "'quoted'", '"double"', "back\\slash", "tab\there", "line\nbreak", "ends\n", "\nstarts", "x\r\ny",
    "ümlaut é", "emoji 😀", "del\x7f", "c1\x85", "ls\u2028ps\u2029", "bom\ufeff", "@at", "`tick`", "%pct",
    "https://github.com/acme/notes", "ghcr.io/acme/notes:1.0.0", "(config) => ({\n  a: 1,\n\n  b: [2],\n})",
    "two\n  indented\nlines", "trailing space \nline",
]  # fmt: skip


def test_every_tricky_string_reads_back_unchanged_as_value_key_and_item() -> None:
    document = {
        "values": {f"k{index}": text for index, text in enumerate(TRICKY_STRINGS)},
        "keys": {text: index for index, text in enumerate(TRICKY_STRINGS) if "\n" not in text},
        "items": TRICKY_STRINGS,
    }
    assert load_yaml(dump_yaml(document)) == document


def test_nesting_scalars_and_empty_collections_read_back_unchanged() -> None:
    document: dict[str, Any] = {
        "name": "notes",
        "count": 3,
        "flags": [True, False, None],
        "empty": {},
        "none": [],
        "list": [{"name": "a", "nested": {"deep": ["x", {"y": 1}]}}, [1, [2, 3]], {}, []],
    }
    assert load_yaml(dump_yaml(document)) == document


def test_layout_is_two_space_block_style_with_a_trailing_newline() -> None:
    text = dump_yaml(
        {"meta": {"category": "devops", "tags": ["fetch", "devops"]}, "items": [{"name": "a", "env": "B"}]}
    )
    assert text == ("meta:\n  category: devops\n  tags:\n    - fetch\n    - devops\nitems:\n  - name: a\n    env: B\n")


def test_multi_line_text_becomes_a_literal_block() -> None:
    assert dump_yaml({"f": "a\n  b"}) == "f: |-\n  a\n    b\n"


def test_plain_only_when_unambiguous() -> None:
    assert (
        dump_yaml({"a": "yes", "b": "1.0", "c": "io.github.acme/notes"})
        == "a: 'yes'\nb: '1.0'\nc: io.github.acme/notes\n"
    )


def test_unicode_line_breaks_are_escaped() -> None:
    assert dump_yaml({"a": "c1\x85"}) == 'a: "c1\\N"\n'
    assert load_yaml(dump_yaml({"a": "ls\u2028ps"})) == {"a": "ls\u2028ps"}
