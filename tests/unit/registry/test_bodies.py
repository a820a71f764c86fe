"""Request bodies parsed as RFC 8259 says (no NaN, no overflow, no lone surrogates, no duplicate keys, bounded
nesting), each refusal a huma error at its location."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mcpship._strict_json import dumps, nesting_exceeds
from mcpship.registry.bodies import parse_json
from mcpship.registry.limits import MAX_JSON_DEPTH
from mcpship.registry.problems import RegistryHTTPError


def refusals(body: bytes) -> list[tuple[str, str]]:
    with pytest.raises(RegistryHTTPError) as caught:
        parse_json(body)
    assert (caught.value.status, caught.value.detail) == (400, "validation failed")
    return [(error["location"], error["message"]) for error in caught.value.errors]


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
    assert parse_json(b"[1.7976931348623157e308, -1e308, 1e-400]") == [1.7976931348623157e308, -1e308, 0.0]
    largest = int(1.7976931348623157e308)
    assert parse_json(str(largest).encode()) == largest


def test_lone_surrogate_escapes_are_refused_in_values_and_keys_but_pairs_are_characters() -> None:
    assert refusals(b'{"description": "a\\ud800b"}') == [
        ("body.description", "a lone UTF-16 surrogate escape (\\ud800-\\udfff) is not a character")
    ]
    assert refusals(b'{"a": {"\\udc00": 1}}')[0][0] == "body.a"
    assert parse_json(b'{"emoji": "\\ud83d\\ude00"}') == {"emoji": "\U0001f600"}


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
    assert parse_json(b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH) is not None
    text = '{"a": "' + "[{" * 500 + '\\"[[[[", "b": ["]]]]"]}'
    assert not nesting_exceeds(text, MAX_JSON_DEPTH)
    assert parse_json(text.encode())["b"] == ["]]]]"]


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
    assert parse_json(encoded) == json.loads(text)


@settings(max_examples=300, derandomize=True, deadline=None)
@given(st.binary(max_size=200) | st.text(alphabet='[]{}":,\\ud0-9aeNIfinty.', max_size=200).map(str.encode))
def test_any_bytes_parse_or_are_refused_with_a_location_never_anything_else(body: bytes) -> None:
    refused: list[str] = []
    try:
        parse_json(body)
    except RegistryHTTPError as error:
        refused = [f"{error.status} {item['location']}" for item in error.errors] or ["(none)"]
    assert all(location.startswith("400 body") for location in refused)
