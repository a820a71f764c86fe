"""Turn pydantic's validation errors into messages that name the file, the key and the fix."""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Sequence

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from mcpship.spec.model import SECRET_CHOICES, SECRET_DEFAULT

__all__ = ["describe_validation_error"]

# Words people reach for instead of our key names; matched (with typos) before plain similarity.
_SYNONYMS = {
    "environment": "env",
    "environment_variables": "env",
    "env_vars": "env",
    "envs": "env",
    "variables": "env",
    "target": "targets",
    "transport": "http",
    "streamable_http": "http",
    "tags": "keywords",
    "repo": "repository",
    "url": "repository",
    "website": "homepage",
    "website_url": "homepage",
    "summary": "description",
    "entrypoint": "command",
    "entry_point": "command",
    "script": "command",
    "arguments": "args",
    "icon": "icons",
    "display_name": "title",
    "secret_key": "secret",
    "sensitive": "secret",
    "optional": "required",
}

_MISSING_HINTS = {
    "name": 'add name = "io.github.<owner>/<server>" (the MCP Registry name), or an "mcp-name: ..." line in the README',
    "description": 'add description = "..." (at most 100 characters), or set it in pyproject.toml / package.json',
    "version": 'add version = "1.0.0", or set a static version in pyproject.toml / package.json',
    "run": 'add a [run] table, e.g. runtime = "python" and command = "<console script>"',
    "command": "set [run] command to the console script / npm bin / executable that starts the server",
    "runtime": 'set [run] runtime to "python", "node" or "binary"',
}


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")  # TOML's bare keys; any other key is shown quoted

_SECRET_RULES = {
    SECRET_DEFAULT: "remove `default`; users pass the value at install",
    SECRET_CHOICES: "remove `choices` (users pass the value at install), or set secret = false if it is no secret",
}


def describe_validation_error(
    error: ValidationError, *, source: str, table: str, model: type[BaseModel]
) -> tuple[str, str | None]:
    """Return ``(message, hint)`` for every problem pydantic found, the first one's fix as the hint."""
    lines: list[str] = []
    hints: list[str] = []
    for detail in error.errors():
        message, hint = _describe_one(detail, table=table, model=model)
        lines.append(f"{source}: {message}")
        if hint:
            hints.append(hint)
    return "\n".join(lines), (hints[0] if hints else None)


def _describe_one(detail: ErrorDetails, *, table: str, model: type[BaseModel]) -> tuple[str, str | None]:
    loc = detail["loc"]
    key = str(loc[-1]) if loc else ""
    shown_key = _quote(key)
    where = _table_name(table, loc[:-1])
    kind = detail["type"]
    if kind == "extra_forbidden":
        suggestion = _suggest(key, _fields_at(model, loc[:-1]))
        message = f"unknown key {shown_key} in {where}"
        if suggestion:
            return f'{message}; did you mean "{suggestion}"?', f'rename {shown_key} to "{suggestion}"'
        known = ", ".join(_fields_at(model, loc[:-1]))
        return message, f"remove it; the keys {where} accepts are: {known}"
    if kind == "missing":
        return f"missing required key {shown_key} in {where}", _MISSING_HINTS.get(key)
    reason = _shorten(detail["msg"].removeprefix("Value error, "), 300)
    value = detail.get("input")
    shown = ""
    if kind not in _SECRET_RULES and isinstance(value, str | int | float | bool):
        shown = f" (got {_shorten(repr(value))})"
    return f"key {shown_key} in {where}: {reason}{shown}", _type_hint(kind, key)


def _quote(key: str) -> str:
    """A key from the user's file, quoted and escaped (control characters never reach the terminal raw)."""
    return json.dumps(_shorten(key))


def _shorten(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _type_hint(kind: str, key: str) -> str | None:
    if kind in _SECRET_RULES:
        return _SECRET_RULES[kind]
    if kind.endswith("_type") or kind == "literal_error":
        return f'give "{key}" a value of the type shown; see docs/spec.md'
    if kind == "string_too_long":
        return f'shorten "{key}"; the MCP Registry enforces this limit'
    return None


def _table_name(table: str, parents: Sequence[int | str]) -> str:
    parts = [table] if table else []
    for part in parents:
        if isinstance(part, int):
            parts[-1] = f"{parts[-1]}[{part}]" if parts else f"[{part}]"
        else:
            parts.append(part if _BARE_KEY.fullmatch(part) else _quote(part))
    return f"[{'.'.join(parts)}]" if parts else "the top level"


def _fields_at(model: type[BaseModel], parents: Sequence[int | str]) -> list[str]:
    current: type[BaseModel] = model
    for part in parents:
        if isinstance(part, int):
            continue
        field = current.model_fields.get(part)
        if field is None:
            return []
        nested = _model_of(field.annotation)
        if nested is None:
            return []
        current = nested
    return list(current.model_fields)


def _model_of(annotation: object) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in getattr(annotation, "__args__", ()):
        found = _model_of(argument)
        if found is not None:
            return found
    return None


def _suggest(key: str, known: list[str]) -> str | None:
    if not known:
        return None
    lowered = key.lower().replace("-", "_")
    candidates = {name: name for name in known}
    candidates.update({word: target for word, target in _SYNONYMS.items() if target in known})
    match = difflib.get_close_matches(lowered, list(candidates), n=1, cutoff=0.75)
    return candidates[match[0]] if match else None
