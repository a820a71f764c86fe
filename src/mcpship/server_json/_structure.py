"""The structure pass: parse with the models and turn pydantic's errors into Problems with JSON paths and fixes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from mcpship._problems import Problem, json_path
from mcpship.server_json.model import CURRENT_SCHEMA_URL, ServerJSON

__all__ = ["structure_problems"]

# Unions picked by "type" (transport, and the items of these arrays): pydantic puts the tag into error locations.
_LIST_UNIONS = {"runtimeArguments", "packageArguments", "remotes"}
_UNION_TAGS = {"stdio", "streamable-http", "sse", "positional", "named"}
_TYPE_CHOICES = {
    "transport": '"stdio" (or "streamable-http" / "sse" with a url)',
    "remotes": '"streamable-http" or "sse"',
    "runtimeArguments": '"positional" or "named"',
    "packageArguments": '"positional" or "named"',
}
_MISSING_HINTS = {
    "transport": 'add "transport": {"type": "stdio"} (or streamable-http / sse with a "url")',
    "registryType": 'add "registryType": one of npm, pypi, nuget, oci, mcpb',
    "identifier": 'add "identifier": the package name, the image reference (oci) or the download URL (mcpb)',
    "name": 'add "name": a reverse-DNS namespace, a slash and the server name, e.g. "io.github.you/weather"',
    "description": 'add "description": what the server does, in at most 100 characters',
    "version": 'add "version": the exact version being published, e.g. "1.0.0"',
    "url": 'add "url": the endpoint, e.g. "https://api.example.com/mcp"',
    "source": 'add "source": "github" or "gitlab"',
    "src": 'add "src": the https URL of the icon',
}
# The same key inside another object names another thing.
_NESTED_MISSING_HINTS = {
    ("environmentVariables", "name"): 'add "name": the variable\'s name, e.g. "API_KEY"',
    ("headers", "name"): 'add "name": the header\'s name, e.g. "Authorization"',
    ("runtimeArguments", "name"): 'add "name": the flag, e.g. "--port"',
    ("packageArguments", "name"): 'add "name": the flag, e.g. "--port"',
    ("repository", "url"): 'add "url": the repository\'s address, e.g. "https://github.com/OWNER/REPO"',
}
_PATTERN_HINTS = {
    "fileSha256": "use the SHA-256 of the file as 64 lowercase hex characters (sha256sum FILE)",
    "url": 'use an absolute http(s) URL, e.g. "https://api.example.com/mcp"',
    "name": 'use a reverse-DNS namespace, one slash and the server name, e.g. "io.github.you/weather"',
    "sizes": 'use "WIDTHxHEIGHT" (e.g. "48x48") or "any"',
}
_JSON_TYPES = {
    "string_type": "a string",
    "bool_type": "a boolean",
    "list_type": "an array",
    "dict_type": "an object",
    "model_type": "an object",
    "model_attributes_type": "an object",
}


def structure_problems(data: object, *, source: str) -> tuple[ServerJSON | None, list[Problem]]:
    """The parsed document (None when it does not fit the schema) and one Problem per schema violation."""
    try:
        return ServerJSON.from_wire(data), []
    except ValidationError as exc:
        return None, [_problem(error, source) for error in exc.errors(include_url=False)]


def _location(loc: tuple[int | str, ...]) -> list[int | str]:
    return [part for index, part in enumerate(loc) if not _is_union_tag(loc, index)]


def _is_union_tag(loc: tuple[int | str, ...], index: int) -> bool:
    """Whether ``loc[index]`` is the tag pydantic adds after a tagged union, not a key of the document."""
    if loc[index] not in _UNION_TAGS or index == 0:
        return False
    previous = loc[index - 1]
    if previous == "transport":
        return True
    return isinstance(previous, int) and index >= 2 and loc[index - 2] in _LIST_UNIONS


def _problem(error: ErrorDetails, source: str) -> Problem:
    parts = _location(error["loc"])
    kind = error["type"]
    if kind in ("union_tag_invalid", "union_tag_not_found") and isinstance(error.get("input"), dict):
        parts.append("type")  # the fault is the object's "type" key
    describe = _DESCRIBERS.get(kind, _generic)
    message, hint = describe(_key(parts), error, parts)
    return Problem(file=source, path=json_path(*parts), message=message, hint=hint)


def _missing(key: str, error: ErrorDetails, parts: list[int | str]) -> tuple[str, str]:
    hint = _NESTED_MISSING_HINTS.get((_key(parts[:-1]), key)) or _MISSING_HINTS.get(key)
    return f'required key "{key}" is missing', hint or f'add "{key}" (see {CURRENT_SCHEMA_URL})'


def _null(key: str, error: ErrorDetails, parts: list[int | str]) -> tuple[str, str]:
    return f'"{key}" is null', "leave the key out instead of setting it to null"


def _too_long(key: str, error: ErrorDetails, parts: list[int | str]) -> tuple[str, str]:
    limit = _context(error).get("max_length")
    return (
        f'"{key}" is {len(error["input"])} characters long; the limit is {limit}',
        f"shorten it to {limit} characters or fewer",
    )


def _too_short(key: str, error: ErrorDetails, parts: list[int | str]) -> tuple[str, str]:
    least = _context(error).get("min_length")
    if least == 1:
        return f'"{key}" must not be empty', f'give "{key}" a value, or leave the key out if it is optional'
    size = len(error["input"])
    return f'"{key}" is {size} characters long; it needs at least {least}', f"make it {least} characters or longer"


def _pattern(key: str, error: ErrorDetails, parts: list[int | str]) -> tuple[str, str]:
    pattern = _context(error).get("pattern")
    message = f'"{error.get("input")}" is not a valid value for "{key}" (pattern {pattern})'
    return message, _PATTERN_HINTS[key]  # every pattern of the model has its hint (a test walks the schema)


def _literal(key: str, error: ErrorDetails, parts: list[int | str]) -> tuple[str, str]:
    return f'"{error.get("input")}" is not an allowed {key}', f"use one of: {_context(error).get('expected')}"


def _unknown_type(key: str, error: ErrorDetails, parts: list[int | str]) -> tuple[str, str]:
    holder = _key(parts[:-1])
    return f'unsupported {holder} type "{_context(error).get("tag")}"', f'set "type" to {_TYPE_CHOICES[holder]}'


def _no_type(key: str, error: ErrorDetails, parts: list[int | str]) -> tuple[str, str]:
    value = error.get("input")
    if isinstance(value, dict):
        holder = _key(parts[:-1])
        if "type" in value:
            return f'{holder} "type" must be a string', f'set "type" to {_TYPE_CHOICES[holder]}'
        return f'{holder} has no "type"', f'add "type": {_TYPE_CHOICES[holder]}'
    return f"{_what(key, parts)} must be an object", f'write an object with "type": {_TYPE_CHOICES[key]}'


def _positional(key: str, error: ErrorDetails, parts: list[int | str]) -> tuple[str, str]:
    return error["msg"], 'add "valueHint" (a label; the user supplies the value) or a fixed "value"'


def _wrong_type(key: str, error: ErrorDetails, parts: list[int | str]) -> tuple[str, str]:
    expected = _JSON_TYPES[error["type"]]
    what = _what(key, parts)
    return f"{what} must be {expected}, not {_json_type(error.get('input'))}", f"change {what} to {expected}"


def _generic(key: str, error: ErrorDetails, parts: list[int | str]) -> tuple[str, str]:
    return error["msg"], f"see the server.json schema: {CURRENT_SCHEMA_URL}"


_DESCRIBERS: dict[str, Callable[[str, ErrorDetails, list[int | str]], tuple[str, str]]] = {
    "missing": _missing,
    "null_not_allowed": _null,
    "string_too_long": _too_long,
    "string_too_short": _too_short,
    "string_pattern_mismatch": _pattern,
    "literal_error": _literal,
    "union_tag_invalid": _unknown_type,
    "union_tag_not_found": _no_type,
    "positional_needs_value": _positional,
    **dict.fromkeys(_JSON_TYPES, _wrong_type),
}


def _context(error: ErrorDetails) -> dict[str, Any]:
    return error.get("ctx") or {}


def _what(key: str, parts: list[int | str]) -> str:
    """``"key"``, or ``each entry of "key"`` when the fault is an item of the array at ``key``."""
    return f'each entry of "{key}"' if parts and isinstance(parts[-1], int) else f'"{key}"'


def _key(parts: list[int | str]) -> str:
    """The innermost key name (``packages`` for ``$.packages[0]``)."""
    for part in reversed(parts):
        if isinstance(part, str):
            return part
    return "server.json"


def _json_type(value: object) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return "null" if value is None else type(value).__name__
