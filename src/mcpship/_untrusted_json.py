"""JSON other services send (a package registry, a mirror source, GitHub, an OCI token service), read by the strict
core's rules (:mod:`mcpship._strict_json`): a ``ValueError`` with the reason, or the reason alone, for callers
that turn it into their own error or skip what is refused.

:func:`loads_untrusted` refuses what RFC 8259 or the depth bound refuses. A list page whose entries are taken or
skipped one by one is read with ``judged_later``; :func:`hostile_content` then judges each entry.
"""

from __future__ import annotations

from typing import Any

from mcpship._strict_json import MAX_DEPTH, loads, refusals

__all__ = ["hostile_content", "loads_untrusted"]

_REASONS = {
    "surrogate": "a string holds a lone UTF-16 surrogate (not Unicode text)",
    "surrogate-in-key": "a key holds a lone UTF-16 surrogate (not Unicode text)",
}


def loads_untrusted(data: bytes | str, *, max_depth: int = MAX_DEPTH, judged_later: bool = False) -> Any:
    """The decoded document; ``ValueError`` (with the reason) for anything strict JSON or the bounds refuse. A
    leading byte order mark is ignored, as RFC 8259 allows.

    ``judged_later``: only what stops the document from parsing (syntax, depth) is refused; NaN, Infinity and
    lone surrogates are left for :func:`hostile_content` to find in each part the caller keeps."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ValueError(f"not UTF-8 text: {exc.reason}") from None
    return loads(data.removeprefix("\ufeff"), max_depth=max_depth, judged_later=judged_later)


def hostile_content(document: Any, *, max_depth: int = MAX_DEPTH) -> str | None:
    """What makes a decoded document unfit to keep (nesting beyond ``max_depth``, a non-finite number, a lone
    surrogate in a key or string), or None."""
    for refusal in refusals(document, max_depth=max_depth):
        if refusal.kind == "depth":
            return f"JSON nested deeper than {max_depth} levels"
        return _REASONS.get(refusal.kind, refusal.message)
    return None
