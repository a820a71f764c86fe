"""JSON exactly as RFC 8259 defines it, both for what the registry reads and for what it serves.

Python's ``json`` is lenient where a hostile body can exploit it: it accepts ``NaN``, ``Infinity`` and
``-Infinity`` and writes them back out (no standard client parses those), turns ``1e999`` into infinity,
keeps lone UTF-16 surrogates (``"\\ud800"``, which cannot be encoded as UTF-8 and so break the store), lets
the last of duplicate keys win silently, and recurses once per nesting level (``[[[[…`` 1,000 deep is a
``RecursionError``). :func:`loads_request` refuses all of that, each refusal naming where it is.

Duplicate keys: RFC 8259 leaves their meaning open ("names SHOULD be unique"), so a proxy, a log pipeline or
another parser may read the other value than we do. The body is refused rather than guessed at (upstream's Go
decoder keeps the last one).

Output: :func:`dumps` refuses non-finite numbers. Documents stored before these checks (by an older version,
or copied by a mirror) may still hold ``NaN`` or ``Infinity`` on SQLite (PostgreSQL's ``jsonb`` cannot):
:func:`finite_stored_json` and :func:`loads_stored` read each such number as ``null``, so a list page that
shows the row stays valid JSON.
"""

from __future__ import annotations

import json
import math
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

from mcpship.registry.limits import MAX_JSON_DEPTH

__all__ = [
    "JsonRefusal",
    "StrictJsonError",
    "dumps",
    "finite_stored_json",
    "loads_request",
    "loads_stored",
    "nesting_exceeds",
    "strings",
]

_MAX_REFUSALS = 10
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False, check_circular=False)
_ESCAPE = re.compile(r"\\.", re.DOTALL)
_STRING = re.compile(r'"[^"]*"')
_BRACKET = re.compile(r"[\[\]{}]")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}
_SURROGATE = re.compile("[\ud800-\udfff]")
_LONGEST_FINITE_INTEGER = len(str(int(sys.float_info.max)))


@dataclass(frozen=True)
class JsonRefusal:
    """One reason a body is not acceptable JSON; ``path`` is where (keys and indices), empty for the whole body."""

    message: str
    path: tuple[str | int, ...] = ()

    @property
    def location(self) -> str:
        """huma's spelling: ``body``, ``body._meta.x``, ``body.packages[0]``."""
        return "body" + "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in self.path)


class StrictJsonError(ValueError):
    """The body is not RFC 8259 JSON within the limits; ``refusals`` says why and where (at most 10)."""

    def __init__(self, refusals: list[JsonRefusal]) -> None:
        super().__init__("; ".join(f"{r.location}: {r.message}" for r in refusals))
        self.refusals = refusals


class _Refused:
    """Stands in, inside the parsed value, for a token that must be refused; found with its path afterwards."""

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message


class _DuplicateKeys(dict[str, Any]):
    __slots__ = ("duplicates",)

    def __init__(self, pairs: list[tuple[str, Any]], duplicates: list[str]) -> None:
        super().__init__(pairs)
        self.duplicates = duplicates


def _constant(name: str) -> _Refused:
    return _Refused(f"{name} is not a JSON number (RFC 8259 has no NaN or Infinity)")


def _float(text: str) -> float | _Refused:
    value = float(text)
    if math.isinf(value):
        return _Refused(f"number {text[:40]} is out of range: it overflows a 64-bit float to infinity")
    return value


def _int(text: str) -> int | _Refused:
    # Past the largest finite double, no client that reads numbers as doubles (JavaScript, Go's any) can hold it.
    digits = len(text.lstrip("-"))
    if digits > _LONGEST_FINITE_INTEGER or (digits == _LONGEST_FINITE_INTEGER and abs(int(text)) > sys.float_info.max):
        return _Refused(f"number {text[:40]}… ({digits} digits) is out of range: it overflows a 64-bit float")
    return int(text)


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    value = dict(pairs)
    if len(value) == len(pairs):
        return value
    seen: set[str] = set()
    duplicates = [key for key, _ in pairs if key in seen or seen.add(key)]  # type: ignore[func-returns-value]
    return _DuplicateKeys(pairs, duplicates)


def nesting_exceeds(text: str, max_depth: int) -> bool:
    """Whether arrays and objects in ``text`` nest deeper than ``max_depth``, found by one linear scan.

    Escapes go first, then whole strings, so brackets inside strings do not count; what is left is the structure
    a parser would recurse into (an unterminated string can only make the count larger, never smaller).
    """
    if text.count("[") + text.count("{") <= max_depth:
        return False
    structure = _BRACKET.findall(_STRING.sub("", _ESCAPE.sub("", text)))
    return max(accumulate(map(_STEP.__getitem__, structure)), default=0) > max_depth


def loads_request(body: bytes, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """A request body as JSON: UTF-8, RFC 8259, nested at most ``max_depth``; else :class:`StrictJsonError`."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise StrictJsonError([JsonRefusal(f"the body is not UTF-8 (invalid byte at offset {error.start})")]) from None
    if nesting_exceeds(text, max_depth):
        raise StrictJsonError([JsonRefusal(f"arrays and objects nest deeper than {max_depth} levels")])
    try:
        value = json.loads(
            text, parse_constant=_constant, parse_float=_float, parse_int=_int, object_pairs_hook=_object
        )
    except json.JSONDecodeError as error:
        message = f"invalid JSON: {error.msg} at line {error.lineno} column {error.colno} (char {error.pos})"
        raise StrictJsonError([JsonRefusal(message)]) from None
    refusals = list(_refusals(value))
    if refusals:
        raise StrictJsonError(refusals[:_MAX_REFUSALS])
    return value


def _refusals(value: Any) -> Iterator[JsonRefusal]:
    """Every refused token, duplicate key and lone surrogate in a parsed value, walked without recursion."""
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(value, ())]
    while stack:
        node, path = stack.pop()
        if isinstance(node, str):
            if not node.isascii() and _SURROGATE.search(node):
                yield JsonRefusal("a lone UTF-16 surrogate escape (\\ud800-\\udfff) is not a character", path)
        elif isinstance(node, dict):
            if isinstance(node, _DuplicateKeys):
                for key in node.duplicates:
                    yield JsonRefusal(f'key "{key}" appears more than once in this object', path)
            for key in node:
                if not key.isascii() and _SURROGATE.search(key):
                    yield JsonRefusal("a key holds a lone UTF-16 surrogate escape (\\ud800-\\udfff)", path)
            stack.extend((item, (*path, key)) for key, item in reversed(node.items()))
        elif isinstance(node, list):
            stack.extend((node[index], (*path, index)) for index in range(len(node) - 1, -1, -1))
        elif isinstance(node, _Refused):
            yield JsonRefusal(node.message, path)


def strings(value: Any) -> Iterator[str]:
    """Every string in a decoded JSON value, keys included, walked without recursion."""
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            yield node
        elif isinstance(node, dict):
            yield from node
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


def dumps(value: Any) -> str:
    """Compact JSON (UTF-8 characters as they are); ``ValueError`` for NaN or an infinity, which JSON has not."""
    return _ENCODER.encode(value)


def _null(_: str) -> None:
    return None


def _finite_or_null(text: str) -> float | None:
    value = float(text)
    return None if math.isinf(value) else value


def loads_stored(text: str | bytes) -> Any:
    """A document the store holds, with any NaN, Infinity or overflowing number read as ``null``."""
    return json.loads(text, parse_constant=_null, parse_float=_finite_or_null)


def finite_stored_json(text: str) -> str | None:
    """``None`` when the stored text is valid JSON as it is (the common case, found by two substring searches);
    else the same document with each ``NaN``/``Infinity`` as ``null``, re-encoded."""
    if "NaN" not in text and "Infinity" not in text:
        return None
    found: list[str] = []

    def non_finite(name: str) -> None:
        found.append(name)

    value = json.loads(text, parse_constant=non_finite, parse_float=_finite_or_null)
    return dumps(value) if found else None
