"""Query-parameter parsing with the official registry's status codes (huma: 422 for types and ranges).

Every parameter is bounded (``limits.py``): integers are ASCII digits within their range (no ``1_000``, no
64-bit overflow), text is at most ``MAX_QUERY_TEXT_LENGTH`` characters without control characters (nothing
a registry holds contains one), and ``updated_since`` is a real RFC 3339 moment.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime

from mcpship.registry.limits import LIST_LIMIT_DEFAULT, LIST_LIMIT_MAX, MAX_QUERY_TEXT_LENGTH
from mcpship.registry.problems import RegistryHTTPError
from mcpship.registry.records import ListQuery

__all__ = [
    "MIN_SEARCH_CHARACTERS",
    "parse_bool",
    "parse_int",
    "parse_list_query",
    "parse_rfc3339",
    "parse_text",
    "validation_error",
]

_TRUE = frozenset({"1", "t", "T", "true", "TRUE", "True"})
_FALSE = frozenset({"0", "f", "F", "false", "FALSE", "False"})
MIN_SEARCH_CHARACTERS = 3
"""Upstream refuses shorter name searches (after trimming) before touching the database (``applySearchFilter``)."""
_BAD_UPDATED_SINCE = "Invalid updated_since format: expected RFC3339 timestamp (e.g., 2025-08-07T13:15:04.280Z)"
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})", re.ASCII)
_INTEGER = re.compile(r"[+-]?[0-9]{1,19}", re.ASCII)
"""Go's ``strconv`` spelling; 19 digits hold every int64 (the range is checked after)."""
_INT64 = range(-(2**63), 2**63)
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def validation_error(location: str, message: str, value: object) -> RegistryHTTPError:
    """huma's 422 shape: ``detail`` "validation failed", one ``errors`` item naming the parameter."""
    if isinstance(value, str) and len(value) > MAX_QUERY_TEXT_LENGTH:
        value = value[:MAX_QUERY_TEXT_LENGTH] + "…"
    return RegistryHTTPError(
        422, "validation failed", errors=[{"message": message, "location": location, "value": value}]
    )


def parse_bool(params: Mapping[str, str], name: str) -> bool | None:
    """Go's ``strconv.ParseBool`` spellings; ``None`` when absent."""
    raw = params.get(name)
    if raw is None:
        return None
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise validation_error(f"query.{name}", "invalid boolean", raw)


def parse_int(params: Mapping[str, str], name: str, *, default: int, minimum: int, maximum: int | None) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    if not _INTEGER.fullmatch(raw) or (value := int(raw)) not in _INT64:
        raise validation_error(f"query.{name}", "invalid integer", raw)
    if value < minimum:
        raise validation_error(f"query.{name}", f"expected number >= {minimum}", value)
    if maximum is not None and value > maximum:
        raise validation_error(f"query.{name}", f"expected number <= {maximum}", value)
    return value


def parse_rfc3339(raw: str) -> datetime:
    """A strict RFC 3339 timestamp (date, ``T``, time, zone), in UTC; 400 with upstream's wording otherwise.

    A valid moment whose zone puts it outside the years 1 to 9999 in UTC (``9999-12-31T23:59:59-23:59``) is
    clamped to that edge: it still means "after everything" (or "after nothing"), as it does upstream."""
    if _RFC3339.fullmatch(raw):
        try:
            moment = datetime.fromisoformat(raw.upper())
        except ValueError:
            pass
        else:
            try:
                return moment.astimezone(UTC)
            except OverflowError:
                edge = datetime.max if moment.year > 1 else datetime.min
                return edge.replace(tzinfo=UTC)
    raise RegistryHTTPError(400, _BAD_UPDATED_SINCE)


def parse_text(params: Mapping[str, str], name: str) -> str | None:
    """A text parameter (``None`` when absent or empty): 422 past ``MAX_QUERY_TEXT_LENGTH`` characters or with
    a control character."""
    value = params.get(name)
    if not value:
        return None
    if len(value) > MAX_QUERY_TEXT_LENGTH:
        raise validation_error(f"query.{name}", f"expected length <= {MAX_QUERY_TEXT_LENGTH}", value)
    if _CONTROL.search(value):
        raise validation_error(f"query.{name}", "expected text without control characters", value)
    return value


def parse_list_query(params: Mapping[str, str]) -> ListQuery:
    """``GET /servers`` (registry.md §1.4), checked in upstream's order: ``limit`` and ``include_deleted`` types
    (422), ``updated_since`` (400), ``search`` of at least 3 characters (422); ``updated_since`` forces
    ``include_deleted``, and an explicit false is a 400."""
    limit = parse_int(params, "limit", default=LIST_LIMIT_DEFAULT, minimum=1, maximum=LIST_LIMIT_MAX)
    include_deleted = parse_bool(params, "include_deleted")
    raw_since = params.get("updated_since") or None
    updated_since = parse_rfc3339(raw_since) if raw_since is not None else None
    search = parse_text(params, "search")
    if search is not None and len(search.strip()) < MIN_SEARCH_CHARACTERS:
        raise RegistryHTTPError(422, "search must contain at least 3 characters after trimming surrounding whitespace")
    if updated_since is not None:
        if include_deleted is False:
            raise RegistryHTTPError(
                400,
                "Cannot set include_deleted=false when using updated_since (incremental sync requires deleted servers)",
            )
        include_deleted = True
    return ListQuery(
        cursor=parse_text(params, "cursor"),
        limit=limit,
        search=search,
        updated_since=updated_since,
        version=parse_text(params, "version"),
        include_deleted=bool(include_deleted),
        registry_type=parse_text(params, "registry_type"),
        transport=parse_text(params, "transport"),
    )
