"""The request-shape check the official registry's framework (huma) runs before any handler: its Go structs' tags
(types, required keys, lengths, patterns, enums, ``format: uri``, no unknown keys) as a schema, with huma's
messages and locations (``body.packages[0].transport``), answered as one 422 ``validation failed``.

Upstream decodes the body into those structs after the check, so what its handlers see differs from the bytes
sent in two ways this module reproduces in the document it returns: an optional key set to ``null`` is absent,
and a key spelled in another (ASCII) case is the struct field's key (huma and Go's decoder both match
case-insensitively). Values are echoed in errors only when they are short scalars: huma echoes the whole
object on every unknown key, which turns one hostile body into megabytes of answer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from mcpship.registry.problems import RegistryHTTPError

__all__ = ["MAX_SHAPE_ERRORS", "SERVER_JSON", "STATUS_BODY", "Shape", "checked_body"]

MAX_SHAPE_ERRORS = 100
"""Errors listed in one answer at most (huma lists all; a body of 100,000 unknown keys would list 100,000)."""
_MAX_ECHOED_CHARACTERS = 256
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_MISSING_HEADER = "required header parameter is missing"


@dataclass(frozen=True)
class Shape:
    """One node of the schema: ``kind`` is string, boolean, object, array or any."""

    kind: str
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    uri: bool = False
    enum: tuple[str, ...] = ()
    properties: Mapping[str, Shape] = field(default_factory=dict)
    required: frozenset[str] = frozenset()
    values: Shape | None = None
    """Objects: the shape of every value (a map); ``None`` with ``properties``: no other key is allowed."""
    items: Shape | None = None

    def __post_init__(self) -> None:
        if self.pattern is not None:  # Go's "$" is the end of the text; Python's also matches before a final "\n"
            anchored = self.pattern.removesuffix("$") + r"\Z" if self.pattern.endswith("$") else self.pattern
            object.__setattr__(self, "_regex", re.compile(anchored))


def _text(**constraints: Any) -> Shape:
    return Shape("string", **constraints)


def _object(properties: Mapping[str, Shape], required: tuple[str, ...] = ()) -> Shape:
    return Shape("object", properties=dict(properties), required=frozenset(required))


def _array(items: Shape) -> Shape:
    return Shape("array", items=items)


def _map(values: Shape) -> Shape:
    return Shape("object", values=values)


_STRING = _text()
_BOOLEAN = Shape("boolean")
_INPUT_FIELDS: dict[str, Shape] = {
    "description": _STRING,
    "isRequired": _BOOLEAN,
    "format": _text(enum=("string", "number", "boolean", "filepath")),
    "value": _STRING,
    "isSecret": _BOOLEAN,
    "default": _STRING,
    "placeholder": _STRING,
    "choices": _array(_STRING),
}
_INPUT = _object(_INPUT_FIELDS)
_WITH_VARIABLES = {**_INPUT_FIELDS, "variables": _map(_INPUT)}
_KEY_VALUE = _object({"name": _STRING, **_WITH_VARIABLES}, ("name",))
_ARGUMENT = _object(
    {"type": _STRING, "name": _STRING, "valueHint": _STRING, "isRepeated": _BOOLEAN, **_WITH_VARIABLES}, ("type",)
)
_TRANSPORT = _object(
    {"type": _STRING, "url": _STRING, "headers": _array(_KEY_VALUE), "variables": _map(_INPUT)}, ("type",)
)
_ICON = _object(
    {
        "src": _text(max_length=255, uri=True),
        "mimeType": _text(enum=("image/png", "image/jpeg", "image/jpg", "image/svg+xml", "image/webp")),
        "sizes": _array(_STRING),
        "theme": _text(enum=("light", "dark")),
    },
    ("src",),
)
_PACKAGE = _object(
    {
        "registryType": _text(min_length=1),
        "registryBaseUrl": _text(uri=True),
        "identifier": _text(min_length=1),
        "version": _text(min_length=1, max_length=255),
        "fileSha256": _text(pattern=r"^[a-f0-9]{64}$"),
        "runtimeHint": _STRING,
        "transport": _TRANSPORT,
        "runtimeArguments": _array(_ARGUMENT),
        "packageArguments": _array(_ARGUMENT),
        "environmentVariables": _array(_KEY_VALUE),
    },
    ("registryType", "identifier", "transport"),
)
_REPOSITORY = _object({"url": _text(uri=True), "source": _STRING, "id": _STRING, "subfolder": _STRING})

# The official registry's request structs (pkg/api/v0, pkg/model at the pinned tag), constraint by constraint.
SERVER_JSON = _object(
    {
        "$schema": _text(min_length=1, uri=True),
        "name": _text(min_length=3, max_length=200, pattern=r"^[a-zA-Z0-9.-]+/[a-zA-Z0-9._-]+$"),
        "description": _text(min_length=1, max_length=100),
        "title": _text(min_length=1, max_length=100),
        "repository": _REPOSITORY,
        "version": _text(min_length=1, max_length=255),
        "websiteUrl": _text(uri=True),
        "icons": _array(_ICON),
        "packages": _array(_PACKAGE),
        "remotes": _array(_TRANSPORT),
        "_meta": _object({"io.modelcontextprotocol.registry/publisher-provided": _map(Shape("any"))}),
    },
    ("$schema", "name", "description", "version"),
)
STATUS_BODY = _object(
    {"status": _text(enum=("active", "deprecated", "deleted")), "statusMessage": _text(max_length=500)}, ("status",)
)


def checked_body(shape: Shape, body: object, *, missing_header: bool = False) -> Any:
    """``body`` as upstream's handlers would see it (see the module docstring), or the 422 listing every violation.

    ``missing_header``: the request also lacks its required ``Authorization`` header, which huma reports in the
    same answer (a body without violations still gets this registry's 401 for that).
    """
    errors: list[dict[str, Any]] = []
    normalised = _check(shape, body, "body", errors)
    if errors:
        if missing_header:
            errors.insert(0, {"message": _MISSING_HEADER, "location": "header.Authorization", "value": ""})
        raise RegistryHTTPError(422, "validation failed", errors=errors[:MAX_SHAPE_ERRORS])
    return normalised


def _add(errors: list[dict[str, Any]], location: str, message: str, value: object) -> None:
    if len(errors) >= MAX_SHAPE_ERRORS:
        return
    error: dict[str, Any] = {"message": message, "location": location}
    if isinstance(value, bool | int | float) or (isinstance(value, str) and len(value) <= _MAX_ECHOED_CHARACTERS):
        error["value"] = value
    errors.append(error)


def _check(shape: Shape, value: object, at: str, errors: list[dict[str, Any]]) -> object:
    if shape.kind == "string":
        if not isinstance(value, str):
            _add(errors, at, "expected string", value)
        else:
            _check_string(shape, value, at, errors)
    elif shape.kind == "boolean":
        if not isinstance(value, bool):
            _add(errors, at, "expected boolean", value)
    elif shape.kind == "array":
        if not isinstance(value, list):
            _add(errors, at, "expected array", value)
        elif shape.items is not None:
            return [_check(shape.items, item, f"{at}[{index}]", errors) for index, item in enumerate(value)]
    elif shape.kind == "object":
        if not isinstance(value, dict):
            _add(errors, at, "expected object", value)
        else:
            return _check_object(shape, value, at, errors)
    return value


def _check_string(shape: Shape, value: str, at: str, errors: list[dict[str, Any]]) -> None:
    if shape.min_length is not None and len(value) < shape.min_length:
        _add(errors, at, f"expected length >= {shape.min_length}", value)
    if shape.max_length is not None and len(value) > shape.max_length:
        _add(errors, at, f"expected length <= {shape.max_length}", value)
    regex: re.Pattern[str] | None = getattr(shape, "_regex", None)
    if regex is not None and not regex.search(value):
        _add(errors, at, f"expected string to match pattern {shape.pattern}", value)
    if shape.uri:
        problem = _uri_problem(value)
        if problem is not None:
            _add(errors, at, problem, value)
    if shape.enum and value not in shape.enum:
        _add(errors, at, f'expected value to be one of "{", ".join(shape.enum)}"', value)


def _uri_problem(value: str) -> str | None:
    """huma's ``format: uri``: Go's ``url.Parse`` must accept it and find a scheme (the common refusals)."""
    if _CONTROL.search(value):
        return f'expected string to be RFC 3986 uri: parse "{value}": net/url: invalid control character in URL'
    if value.startswith(":"):
        return f'expected string to be RFC 3986 uri: parse "{value}": missing protocol scheme'
    bad_escape = _ESCAPE.search(value)
    if bad_escape is not None:
        escape = value[bad_escape.start() : bad_escape.start() + 3]
        return f'expected string to be RFC 3986 uri: parse "{value}": invalid URL escape "{escape}"'
    if not _SCHEME.match(value):
        return "expected string to be RFC 3986 absolute uri (non-empty scheme)"
    try:
        urlsplit(value)
    except ValueError as error:
        return f'expected string to be RFC 3986 uri: parse "{value}": {error}'
    return None


def _check_object(shape: Shape, value: dict[str, object], at: str, errors: list[dict[str, Any]]) -> dict[str, object]:
    if not shape.properties:
        values = shape.values
        if values is None or values.kind == "any":
            return value
        return {key: _check(values, item, f"{at}.{key}", errors) for key, item in value.items()}
    canonical = {name.lower(): name for name in shape.properties}
    given: dict[str, object] = {}
    unknown: list[str] = []
    for key, item in value.items():
        name = canonical.get(key.lower()) if key.isascii() else None
        if name is None:
            unknown.append(key)
        else:
            given[name] = item  # the last spelling wins, as in Go's decoder
    checked: dict[str, object] = {}
    for name in sorted(shape.properties):
        if name not in given:
            if name in shape.required:
                _add(errors, at, f"expected required property {name} to be present", value)
            continue
        item = given[name]
        if item is None and name not in shape.required:
            continue  # Go leaves the field at its zero value: the key is absent
        checked[name] = _check(shape.properties[name], item, f"{at}.{name}", errors)
    for key in unknown:
        _add(errors, f"{at}.{key}", "unexpected property", value)
    return {name: checked[name] for name in _in_order(value, canonical) if name in checked}


def _in_order(value: Mapping[str, object], canonical: Mapping[str, str]) -> list[str]:
    """The canonical names in the order the document first used them (what is stored keeps the sender's order)."""
    seen: dict[str, None] = {}
    for key in value:
        name = canonical.get(key.lower()) if key.isascii() else None
        if name is not None:
            seen.setdefault(name)
    return list(seen)
