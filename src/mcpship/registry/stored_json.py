"""Documents the store holds, read back as valid JSON even when an older version stored what JSON has not.

Request bodies are parsed strictly (``bodies.py``, over :mod:`mcpship._strict_json`) and every response is
encoded by :func:`mcpship._strict_json.dumps`, which refuses non-finite numbers. Documents stored before these
checks (by an older version, or copied by a mirror) may still hold ``NaN`` or ``Infinity`` on SQLite
(PostgreSQL's ``jsonb`` cannot): :func:`finite_stored_json` and :func:`loads_stored` read each such number as
``null``, so a list page that shows the row stays valid JSON.
"""

from __future__ import annotations

import json
import math
from typing import Any

from mcpship._strict_json import dumps

__all__ = ["finite_stored_json", "loads_stored"]


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
