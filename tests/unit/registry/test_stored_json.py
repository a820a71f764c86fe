"""Stored documents made valid JSON again on read: what an older version stored with NaN or Infinity reads as null."""

from __future__ import annotations

import json

import pytest

from mcpship.registry.stored_json import finite_stored_json, loads_stored


def test_stored_text_without_non_finite_numbers_is_kept_as_it_is() -> None:
    assert finite_stored_json('{"description":"Infinity scroll and NaN-free"}') is None
    assert finite_stored_json('{"a":1}') is None


def test_stored_non_finite_numbers_read_as_null() -> None:
    stored = '{"name":"io.github.a/b","_meta":{"x":[NaN,Infinity,-Infinity,1]},"d":"NaN"}'
    finite = finite_stored_json(stored)
    assert finite is not None
    assert json.loads(finite, parse_constant=pytest.fail) == {
        "name": "io.github.a/b",
        "_meta": {"x": [None, None, None, 1]},
        "d": "NaN",
    }
    assert loads_stored('{"a":NaN,"b":1e999,"c":2.5}') == {"a": None, "b": None, "c": 2.5}
