"""Replacing a version in JSON and TOML keeps every other byte, whatever the rest of the document holds."""

from __future__ import annotations

import json
from typing import Any

import pytest
import tomlkit
from hypothesis import given, settings
from hypothesis import strategies as st

from mcpship import VersionError
from mcpship.versioning.formats import Locator, read_value, replace_values

_SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text()
_VALUES = st.recursive(
    _SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3), max_leaves=12
)


def _common_prefix(one: str, two: str) -> str:
    size = 0
    while size < min(len(one), len(two)) and one[size] == two[size]:
        size += 1
    return one[:size]


@settings(max_examples=150, derandomize=True, deadline=None)
@given(
    before=st.dictionaries(st.text(), _VALUES, max_size=4),
    after=st.dictionaries(st.text(), _VALUES, max_size=4),
    indent=st.sampled_from([None, 0, 2, 4, "\t"]),
    ascii_only=st.booleans(),
)
def test_json_version_replacement_changes_only_the_version(
    before: dict[str, Any], after: dict[str, Any], indent: int | str | None, ascii_only: bool
) -> None:
    document = {**{k: v for k, v in before.items() if k != "version"}, "version": "1.0.0"}
    document.update({k: v for k, v in after.items() if k != "version"})
    text = json.dumps(document, indent=indent, ensure_ascii=ascii_only)
    new = replace_values(text, [(Locator("json", ("version",)), "1.1.0-rc.1")])
    assert json.loads(new) == {**document, "version": "1.1.0-rc.1"}
    prefix = len(_common_prefix(text, new))
    suffix = len(_common_prefix(text[prefix:][::-1], new[prefix:][::-1]))
    assert len(text) - prefix - suffix <= len("1.0.0")  # one short run of bytes changed: the version's
    assert len(new) == len(text) + len("1.1.0-rc.1") - len("1.0.0")


@settings(max_examples=100, derandomize=True, deadline=None)
@given(
    others=st.dictionaries(
        st.text(alphabet="abcxyz_-", min_size=1, max_size=8).filter(lambda key: key != "version"),
        st.integers() | st.text(max_size=10) | st.lists(st.integers(), max_size=3),
        max_size=4,
    ),
    comment=st.text(alphabet="abc #\"'", max_size=10),
)
def test_toml_version_replacement_changes_only_the_version(others: dict[str, Any], comment: str) -> None:
    document = tomlkit.document()
    project = tomlkit.table()
    project.add("version", tomlkit.string("1.0.0"))
    project["version"].comment(comment or "c")
    for key, value in others.items():
        project.add(key, value)
    document.add("project", project)
    text = tomlkit.dumps(document)

    new = replace_values(text, [(Locator("toml", ("project", "version")), "1.0.1")])

    assert new == text.replace('version = "1.0.0"', 'version = "1.0.1"', 1)


def test_a_duplicated_json_key_is_read_and_replaced_where_json_reads_it_the_last() -> None:
    text = '{"version": "1.0.0", "version": "2.0.0"}'
    assert read_value(Locator("json", ("version",)), text) == "2.0.0"
    new = replace_values(text, [(Locator("json", ("version",)), "3.0.0")])
    assert new == '{"version": "1.0.0", "version": "3.0.0"}'


def test_json_that_does_not_parse_is_a_version_error() -> None:
    with pytest.raises(VersionError, match="not valid JSON"):
        read_value(Locator("json", ("version",)), '{"version": "1.0.0",,}')
