"""JSON exactly as RFC 8259 defines it, within bounds: the one set of rules for all JSON mcpship reads from others.

Python's ``json`` is lenient where hostile input can exploit it: it accepts ``NaN``, ``Infinity`` and
``-Infinity`` (no other JSON reader does), turns ``1e999`` into infinity, keeps lone UTF-16 surrogates
(``"\\ud800"``, which cannot be written back as UTF-8), lets the last of duplicate keys win silently, and recurses
once per nesting level (``[[[[…`` 100,000 deep is a ``RecursionError``). :func:`loads` refuses all of that, each
refusal saying what and where (:class:`Refusal`):

* nesting deeper than ``max_depth``, found first by one linear scan of the text (:func:`nesting_exceeds`), so
  the parser never recurses deeper than that;
* ``NaN`` and ``Infinity``, and any number, float or integer, beyond the largest finite double: JavaScript and
  Go's ``any`` read numbers as doubles (and Python refuses integers over 4,300 digits);
* a lone surrogate escape, in a string or a key;
* duplicate keys, only with ``refuse_duplicate_keys``. The registry refuses them in request bodies: it stores
  the document and serves it again, and a proxy, a log pipeline or another parser may read the other value.
  Files and other services' answers are read as every mainstream parser reads them (``JSON.parse``, Go, Python:
  the last one wins), and only what was parsed is ever passed on, so there is nothing for two readers to
  disagree about.

Three thin adapters give the refusals the shape their callers need: ``registry/bodies.py`` (a 400 naming each
place, as huma does), ``_safe_load.py`` (an McpshipError naming the file, line and column) and
``_untrusted_json.py`` (a ValueError or a reason, for answers of other services). :func:`refusals` is the walk
behind :func:`loads`, iterative and in document order; it also judges values decoded elsewhere (TOML, a page
parsed with ``judged_later``). :func:`dumps` never writes a number JSON has not.
"""

from __future__ import annotations

import itertools
import json
import math
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

__all__ = [
    "MAX_DEPTH",
    "Refusal",
    "StrictJsonError",
    "dumps",
    "loads",
    "nesting_exceeds",
    "path_text",
    "refusals",
    "strings",
]

MAX_DEPTH = 128
"""Deepest nesting of arrays and objects accepted by default; real documents stay under 20 (JSON Schemas too)."""

Kind = Literal[
    "syntax", "depth", "not-a-number", "out-of-range", "non-finite", "surrogate", "surrogate-in-key", "duplicate-key"
]

_MOST_REFUSALS = 10
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False, check_circular=False)
_ESCAPE = re.compile(r"\\.", re.DOTALL)
_STRING = re.compile(r'"[^"]*"')
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}
_SURROGATE = re.compile("[\ud800-\udfff]")
_LONGEST_FINITE_INTEGER = len(str(int(sys.float_info.max)))


@dataclass(frozen=True)
class Refusal:
    """One reason a document is not acceptable JSON. ``path`` is where (keys and indices; empty: the whole text);
    ``token`` the text refused (``NaN``, the number, shortened past 40 characters, the ``\\udXXX`` escape, the
    repeated key); a syntax error
    has its ``line``, ``column`` and character ``offset``, and the parser's words as ``message``."""

    kind: Kind
    message: str
    path: tuple[str | int, ...] = ()
    token: str = ""
    line: int = 0
    column: int = 0
    offset: int = 0


class StrictJsonError(ValueError):
    """The text is not RFC 8259 JSON within the limits; ``refusals`` says why and where (at most 10)."""

    def __init__(self, refusals: list[Refusal]) -> None:
        super().__init__("; ".join(_where(refusal) + refusal.message for refusal in refusals))
        self.refusals = refusals


def _where(refusal: Refusal) -> str:
    if refusal.kind == "syntax":
        return f"line {refusal.line} column {refusal.column}: "
    return f"{path_text(refusal.path)}: " if refusal.path else ""


def path_text(path: tuple[str | int, ...]) -> str:
    """``.packages[0].transport``: keys after dots, indices in brackets."""
    return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in path)


class _Refused:
    """Stands in, inside the parsed value, for a token that is refused; :func:`refusals` finds it with its path."""

    __slots__ = ("kind", "message", "token")

    def __init__(self, kind: Kind, message: str, token: str) -> None:
        self.kind = kind
        self.message = message
        self.token = token


class _DuplicateKeys(dict[str, Any]):
    __slots__ = ("duplicates",)

    def __init__(self, pairs: list[tuple[str, Any]], duplicates: list[str]) -> None:
        super().__init__(pairs)
        self.duplicates = duplicates


def nesting_exceeds(text: str, max_depth: int) -> bool:
    """Whether arrays and objects in ``text`` nest deeper than ``max_depth``, found by one linear scan.

    Escapes go first, then whole strings, so brackets inside strings do not count; what is left is the structure
    a parser would recurse into (an unterminated string can only make the count larger, never smaller).
    """
    if text.count("[") + text.count("{") <= max_depth:
        return False
    structure = _NOT_BRACKET.sub("", _STRING.sub("", _ESCAPE.sub("", text)))
    return max(itertools.accumulate(map(_STEP.__getitem__, structure)), default=0) > max_depth


def loads(
    text: str, *, max_depth: int = MAX_DEPTH, refuse_duplicate_keys: bool = False, judged_later: bool = False
) -> Any:
    """``text`` as RFC 8259 JSON nested at most ``max_depth``; else :class:`StrictJsonError` with every refusal.

    ``judged_later``: only syntax and depth are refused here; NaN, Infinity and numbers out of range are decoded
    as non-finite floats and lone surrogates kept, for a caller that judges each part it keeps with
    :func:`refusals` (a list page whose entries are taken or skipped one by one)."""
    if nesting_exceeds(text, max_depth):
        message = f"arrays and objects nest deeper than {max_depth} levels"
        raise StrictJsonError([Refusal("depth", message)])
    hooks: dict[str, Any] = {"parse_int": _infinite_when_out_of_range}
    if not judged_later:
        hooks = {"parse_int": _int, "parse_constant": _constant, "parse_float": _float}
        if refuse_duplicate_keys:
            hooks["object_pairs_hook"] = _object
    try:
        value = json.loads(text, **hooks)
    except json.JSONDecodeError as error:
        refusal = Refusal("syntax", error.msg, line=error.lineno, column=error.colno, offset=error.pos)
        raise StrictJsonError([refusal]) from None
    if judged_later:
        return value
    found = list(itertools.islice(refusals(value), _MOST_REFUSALS))
    if found:
        raise StrictJsonError(found)
    return value


def _constant(name: str) -> _Refused:
    return _Refused("not-a-number", f"{name} is not a JSON number", name)


def _float(text: str) -> float | _Refused:
    value = float(text)
    return _out_of_range(text) if math.isinf(value) else value


def _int(text: str) -> int | _Refused:
    digits = len(text.lstrip("-"))
    if digits > _LONGEST_FINITE_INTEGER or (digits == _LONGEST_FINITE_INTEGER and abs(int(text)) > sys.float_info.max):
        return _out_of_range(text)
    return int(text)


def _out_of_range(text: str) -> _Refused:
    shown = text if len(text) <= 40 else f"{text[:40]}… ({sum(map(str.isdigit, text))} digits)"
    return _Refused("out-of-range", f"number {shown} is out of range: it overflows a 64-bit float", shown)


def _infinite_when_out_of_range(text: str) -> int | float:
    value = _int(text)
    if isinstance(value, _Refused):
        return -math.inf if text.startswith("-") else math.inf
    return value


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    value = dict(pairs)
    if len(value) == len(pairs):
        return value
    seen: set[str] = set()
    duplicates = [key for key, _ in pairs if key in seen or seen.add(key)]  # type: ignore[func-returns-value]
    return _DuplicateKeys(pairs, duplicates)


def refusals(value: Any, *, max_depth: int | None = None) -> Iterator[Refusal]:
    """Every refused part of a decoded value, in document order: the tokens :func:`loads` marked, repeated keys,
    lone surrogates in strings and keys, non-finite floats, and (given ``max_depth``) each array or object nested
    deeper, which is not entered. Iterative, holding one iterator per level: it must not recurse on the input it
    judges, nor copy it."""
    path: list[str | int] = []
    levels: list[Iterator[tuple[str | int, Any]]] = []
    node = value
    while True:
        if isinstance(node, dict | list):
            if max_depth is not None and len(path) >= max_depth:
                yield Refusal("depth", f"arrays and objects nest deeper than {max_depth} levels", tuple(path))
            else:
                if isinstance(node, dict):
                    yield from _object_refusals(node, tuple(path))
                levels.append(iter(node.items()) if isinstance(node, dict) else enumerate(node))
                path.append(0)  # replaced by each child's key or index
        else:
            refusal = _value_refusal(node, tuple(path))
            if refusal is not None:
                yield refusal
        while levels:
            step = next(levels[-1], None)
            if step is not None:
                path[-1], node = step
                break
            levels.pop()
            path.pop()
        else:
            return


def _object_refusals(node: dict[str, Any], path: tuple[str | int, ...]) -> Iterator[Refusal]:
    for key in node.duplicates if isinstance(node, _DuplicateKeys) else ():
        yield Refusal("duplicate-key", f'key "{key}" appears more than once in this object', path, key)
    for key in node:
        if not key.isascii() and (found := _SURROGATE.search(key)):
            message = "a key holds a lone UTF-16 surrogate escape (\\ud800-\\udfff)"
            yield Refusal("surrogate-in-key", message, path, f"\\u{ord(found.group()):04x}")


def _value_refusal(node: object, path: tuple[str | int, ...]) -> Refusal | None:
    if isinstance(node, str):
        if not node.isascii() and (found := _SURROGATE.search(node)):
            message = "a lone UTF-16 surrogate escape (\\ud800-\\udfff) is not a character"
            return Refusal("surrogate", message, path, f"\\u{ord(found.group()):04x}")
    elif isinstance(node, float):
        if not math.isfinite(node):
            return Refusal("non-finite", "a number is not finite (NaN or Infinity is not JSON)", path)
    elif isinstance(node, _Refused):
        return Refusal(node.kind, node.message, path, node.token)
    return None


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
