"""strict_json: request bodies parsed as RFC 8259 says (no NaN, no overflow, no lone surrogates, no duplicate keys,
bounded nesting), an encoder that never writes what JSON has not, and stored text made valid again on read."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mcpship.registry.limits import MAX_JSON_DEPTH
from mcpship.registry.strict_json import (
    StrictJsonError,
    dumps,
    finite_stored_json,
    loads_request,
    loads_stored,
    nesting_exceeds,
)


def refusals(body: bytes) -> list[tuple[str, str]]:
    with pytest.raises(StrictJsonError) as caught:
        loads_request(body)
    return [(refusal.location, refusal.message) for refusal in caught.value.refusals]


@pytest.mark.parametrize(
    ("token", "says"),
    [
        (b"NaN", "NaN is not a JSON number"),
        (b"Infinity", "Infinity is not a JSON number"),
        (b"-Infinity", "-Infinity is not a JSON number"),
        (b"1e999", "1e999 is out of range"),
        (b"-1e999", "-1e999 is out of range"),
        (b"9" * 400, "400 digits) is out of range"),
        (b"9" * 5000, "5000 digits) is out of range"),
    ],
)
def test_numbers_json_has_not_are_refused_where_they_are(token: bytes, says: str) -> None:
    body = b'{"_meta": {"x": [1, ' + token + b"]}}"
    [(location, message)] = refusals(body)
    assert location == "body._meta.x[1]"
    assert says in message


def test_the_largest_finite_numbers_are_accepted() -> None:
    assert loads_request(b"[1.7976931348623157e308, -1e308, 1e-400]") == [1.7976931348623157e308, -1e308, 0.0]
    largest = int(1.7976931348623157e308)
    assert loads_request(str(largest).encode()) == largest


def test_lone_surrogate_escapes_are_refused_in_values_and_keys_but_pairs_are_characters() -> None:
    assert refusals(b'{"description": "a\\ud800b"}') == [
        ("body.description", "a lone UTF-16 surrogate escape (\\ud800-\\udfff) is not a character")
    ]
    assert refusals(b'{"a": {"\\udc00": 1}}')[0][0] == "body.a"
    assert loads_request(b'{"emoji": "\\ud83d\\ude00"}') == {"emoji": "\U0001f600"}


def test_duplicate_keys_are_refused_naming_the_object_and_the_key() -> None:
    assert refusals(b'{"packages": [{"identifier": "a", "identifier": "b"}]}') == [
        ("body.packages[0]", 'key "identifier" appears more than once in this object')
    ]


def test_every_refusal_in_a_body_is_named_in_document_order() -> None:
    body = b'{"a": NaN, "b": "\\ud800", "c": {"d": 1, "d": 2}}'
    assert [location for location, _ in refusals(body)] == ["body.a", "body.b", "body.c"]


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 1_000, 100_000])
def test_nesting_past_the_limit_is_refused_without_recursing(depth: int) -> None:
    for opener, closer in (b"[", b"]"), (b'{"a":', b"}"):
        body = opener * depth + b"1" + closer * depth
        assert refusals(body) == [("body", f"arrays and objects nest deeper than {MAX_JSON_DEPTH} levels")]


def test_nesting_up_to_the_limit_is_accepted_and_brackets_in_strings_do_not_count() -> None:
    assert loads_request(b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH) is not None
    text = '{"a": "' + "[{" * 500 + '\\"[[[[", "b": ["]]]]"]}'
    assert not nesting_exceeds(text, MAX_JSON_DEPTH)
    assert loads_request(text.encode())["b"] == ["]]]]"]


def test_a_deep_body_hidden_after_an_unterminated_string_still_counts() -> None:
    assert nesting_exceeds('"' + "[" * 100, MAX_JSON_DEPTH)


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"\xff{}", "not UTF-8"),
        (b'{"a": "\xed\xa0\x80"}', "not UTF-8"),  # a surrogate encoded as UTF-8 (CESU-8)
        (b"\xef\xbb\xbf{}", "BOM"),
        (b"", "Expecting value"),
        (b'{"a": "line\nbreak"}', "Invalid control character"),
        (b"{'a': 1}", "Expecting property name"),
        (b"[1, 2,]", "Expecting value"),
    ],
)
def test_bodies_that_are_not_rfc_8259_json_are_refused(body: bytes, says: str) -> None:
    [(location, message)] = refusals(body)
    assert location == "body"
    assert says in message


def test_the_encoder_refuses_non_finite_numbers() -> None:
    for value in (math.nan, math.inf, -math.inf):
        with pytest.raises(ValueError, match="JSON compliant"):
            dumps({"x": [value]})
    assert dumps({"x": [1.5, "é"]}) == '{"x":[1.5,"é"]}'


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


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=100, derandomize=True, deadline=None)
@given(_json_values)
def test_every_finite_json_value_round_trips(value: Any) -> None:
    try:
        text = dumps(value)
        encoded = text.encode()
    except UnicodeEncodeError:  # st.text() may draw a lone surrogate, which has no UTF-8 form to send
        return
    assert loads_request(encoded) == json.loads(text)


@settings(max_examples=300, derandomize=True, deadline=None)
@given(st.binary(max_size=200) | st.text(alphabet='[]{}":,\\ud0-9aeNIfinty.', max_size=200).map(str.encode))
def test_any_bytes_parse_or_are_refused_with_a_location_never_anything_else(body: bytes) -> None:
    refused: list[str] = []
    try:
        loads_request(body)
    except StrictJsonError as error:
        refused = [refusal.location for refusal in error.refusals] or ["(none)"]
    assert all(location.startswith("body") for location in refused)
