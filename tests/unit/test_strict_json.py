"""The strict JSON core: the RFC 8259 rules every reader of others' JSON shares (its adapters are tested with
their callers: registry request bodies, files, other services' answers), the walk that finds each refusal with
its path, and an encoder that never writes what JSON has not."""

from __future__ import annotations

import math

import pytest

from mcpship._strict_json import MAX_DEPTH, StrictJsonError, dumps, loads, refusals


def refused(text: str, **options: bool) -> list[tuple[str, tuple[str | int, ...], str]]:
    with pytest.raises(StrictJsonError) as caught:
        loads(text, **options)
    return [(refusal.kind, refusal.path, refusal.token) for refusal in caught.value.refusals]


def test_each_refusal_has_its_kind_path_and_token_in_document_order() -> None:
    text = '{"a": [1, NaN], "b": {"\\udc00": "x\\ud800"}, "c": -1e999, "d": ' + "9" * 400 + "}"
    assert refused(text) == [
        ("not-a-number", ("a", 1), "NaN"),
        ("surrogate-in-key", ("b",), "\\udc00"),
        ("surrogate", ("b", "\udc00"), "\\ud800"),
        ("out-of-range", ("c",), "-1e999"),
        ("out-of-range", ("d",), "9" * 40 + "… (400 digits)"),
    ]


def test_duplicate_keys_are_refused_only_when_asked_and_otherwise_the_last_wins() -> None:
    assert loads('{"a": 1, "a": 2}') == {"a": 2}
    assert refused('{"x": {"a": 1, "a": 2}}', refuse_duplicate_keys=True) == [("duplicate-key", ("x",), "a")]


def test_a_syntax_error_has_the_parsers_words_and_position() -> None:
    with pytest.raises(StrictJsonError) as caught:
        loads('{"a": 1,\n }')
    [refusal] = caught.value.refusals
    assert (refusal.kind, refusal.message, refusal.line, refusal.column) == (
        "syntax",
        "Expecting property name enclosed in double quotes",
        2,
        2,
    )


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 100_000])
def test_nesting_past_the_limit_is_refused_before_parsing_without_recursion(depth: int) -> None:
    assert refused("[" * depth + "]" * depth) == [("depth", (), "")]
    assert refused('{"a":' * depth, judged_later=True) == [("depth", (), "")]  # unterminated: still counted


def test_judged_later_decodes_what_strict_refuses_for_the_walk_to_find() -> None:
    value = loads("[NaN, -Infinity, 1e999, -" + "9" * 400 + ', "\\ud800"]', judged_later=True)
    assert [math.isnan(value[0]), value[1:4]] == [True, [-math.inf, math.inf, -math.inf]]
    assert [(r.kind, r.path) for r in refusals(value)] == [("non-finite", (i,)) for i in range(4)] + [
        ("surrogate", (4,))
    ]


def test_the_walk_reports_containers_past_max_depth_without_entering_them() -> None:
    value: list[object] = [{"ok": [float("nan")]}]
    assert [(r.kind, r.path) for r in refusals(value, max_depth=2)] == [("depth", (0, "ok"))]
    deep: list[object] = []
    for _ in range(100_000):  # far past the recursion limit, built without json
        deep = [deep]
    assert [r.kind for r in refusals(deep, max_depth=MAX_DEPTH)] == ["depth"]


def test_the_encoder_refuses_non_finite_numbers() -> None:
    for value in (math.nan, math.inf, -math.inf):
        with pytest.raises(ValueError, match="JSON compliant"):
            dumps({"x": [value]})
    assert dumps({"x": [1.5, "é"]}) == '{"x":[1.5,"é"]}'
