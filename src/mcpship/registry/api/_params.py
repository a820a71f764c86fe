"""Query-parameter parsing with the official registry's status codes (huma: 422 for types and ranges)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime

from mcpship.registry.problems import RegistryHTTPError
from mcpship.registry.records import ListQuery

__all__ = ["MIN_SEARCH_CHARACTERS", "parse_bool", "parse_int", "parse_list_query", "parse_rfc3339", "validation_error"]

_TRUE = frozenset({"1", "t", "T", "true", "TRUE", "True"})
_FALSE = frozenset({"0", "f", "F", "false", "FALSE", "False"})
MIN_SEARCH_CHARACTERS = 3
"""Upstream refuses shorter name searches (after trimming) before touching the database (``applySearchFilter``)."""
_BAD_UPDATED_SINCE = "Invalid updated_since format: expected RFC3339 timestamp (e.g., 2025-08-07T13:15:04.280Z)"
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")


def validation_error(location: str, message: str, value: object) -> RegistryHTTPError:
    """huma's 422 shape: ``detail`` "validation failed", one ``errors`` item naming the parameter."""
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
    try:
        value = int(raw)
    except ValueError:
        raise validation_error(f"query.{name}", "invalid integer", raw) from None
    if value < minimum:
        raise validation_error(f"query.{name}", f"expected number >= {minimum}", value)
    if maximum is not None and value > maximum:
        raise validation_error(f"query.{name}", f"expected number <= {maximum}", value)
    return value


def parse_rfc3339(raw: str) -> datetime:
    """A strict RFC 3339 timestamp (date, ``T``, time, zone); 400 with upstream's wording otherwise."""
    if _RFC3339.fullmatch(raw):
        try:
            return datetime.fromisoformat(raw.upper())
        except ValueError:
            pass
    raise RegistryHTTPError(400, _BAD_UPDATED_SINCE)


def _text(params: Mapping[str, str], name: str) -> str | None:
    value = params.get(name)
    return value if value else None


def parse_list_query(params: Mapping[str, str]) -> ListQuery:
    """``GET /servers`` (registry.md §1.4), checked in upstream's order: ``limit`` and ``include_deleted`` types
    (422), ``updated_since`` (400), ``search`` of at least 3 characters (422); ``updated_since`` forces
    ``include_deleted``, and an explicit false is a 400."""
    limit = parse_int(params, "limit", default=30, minimum=1, maximum=100)
    include_deleted = parse_bool(params, "include_deleted")
    raw_since = _text(params, "updated_since")
    updated_since = parse_rfc3339(raw_since) if raw_since is not None else None
    search = _text(params, "search")
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
        cursor=_text(params, "cursor"),
        limit=limit,
        search=search,
        updated_since=updated_since,
        version=_text(params, "version"),
        include_deleted=bool(include_deleted),
        registry_type=_text(params, "registry_type"),
        transport=_text(params, "transport"),
    )
