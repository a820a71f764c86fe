"""JSON from someone else (a package registry, a mirror source): parsed as RFC 8259 says, within bounds.

Python's ``json`` accepts ``NaN``, ``Infinity`` and ``1e999`` (as ``inf``), which no other JSON reader does, and
raises ``RecursionError`` (not ``ValueError``) on deep nesting. Here every one of those is a ``ValueError``, as is
a document nested deeper than ``max_depth`` or holding a lone surrogate (text that cannot be stored as UTF-8).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

__all__ = ["DEFAULT_MAX_DEPTH", "hostile_content", "loads_untrusted"]

DEFAULT_MAX_DEPTH = 128
_SURROGATE = re.compile("[\ud800-\udfff]")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number {text} is out of range (not a finite double)")
    return value


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON (RFC 8259 has no non-finite numbers)")


def loads_untrusted(data: bytes | str, *, max_depth: int = DEFAULT_MAX_DEPTH) -> Any:
    """The decoded document; ``ValueError`` (with the reason) for anything strict JSON or the bounds refuse."""
    try:
        document = json.loads(data, parse_float=_finite, parse_constant=_no_constant)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8 text: {exc.reason}") from None
    problem = hostile_content(document, max_depth=max_depth)
    if problem is not None:
        raise ValueError(problem)
    return document


def hostile_content(document: Any, *, max_depth: int = DEFAULT_MAX_DEPTH) -> str | None:
    """What makes a decoded document unfit to keep (nesting beyond ``max_depth``, a non-finite number, a lone
    surrogate in a key or string), or None. Iterative: it must not recurse on the input it is judging."""
    stack: list[tuple[Any, int]] = [(document, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > max_depth:
                return f"JSON nested deeper than {max_depth} levels"
            children = value.items() if isinstance(value, dict) else enumerate(value)
            for key, child in children:
                if isinstance(key, str) and _SURROGATE.search(key):
                    return "a key holds a lone UTF-16 surrogate (not Unicode text)"
                stack.append((child, depth + 1))
        elif isinstance(value, str):
            if _SURROGATE.search(value):
                return "a string holds a lone UTF-16 surrogate (not Unicode text)"
        elif isinstance(value, float) and not math.isfinite(value):
            return "a number is not finite (NaN or Infinity is not JSON)"
    return None
