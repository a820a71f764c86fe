"""Read the files users, registries and packages hand us: TOML, JSON and plain text, bounded in size and depth.

Every way such a file can be malformed (larger than the cap, binary, UTF-16 or not UTF-8 at all, a byte order
mark in TOML, bad syntax, nested deeper than anything real, NaN/Infinity or lone surrogates in JSON) becomes
one :class:`McpshipError` of the caller's class naming the file, and the line and column where the parser gives
them; never a traceback. ``tomllib`` and ``json`` recurse once per nesting level, so a file of 100,000 ``[``
raised RecursionError; here it is an error, and parsed values are checked to stay within :data:`MAX_DEPTH`
before any other code (pydantic, recursive walks, ``json.dumps``) recurses through them.
"""

from __future__ import annotations

import json
import math
import tomllib
from pathlib import Path
from typing import Any, NoReturn

from mcpship._exceptions import McpshipError

__all__ = [
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "MAX_LOCKFILE_BYTES",
    "parse_json",
    "parse_toml",
    "read_bytes",
    "read_json_file",
    "read_text_file",
    "read_toml_file",
]

MAX_FILE_BYTES = 8 * 1024 * 1024
"""Cap for specs, pyproject.toml, package.json, server.json, manifests, interface locks and build reports."""
MAX_LOCKFILE_BYTES = 256 * 1024 * 1024
"""Cap for package-lock.json, which large projects grow to tens of megabytes."""
MAX_DEPTH = 128
"""Deepest nesting of arrays/tables/objects accepted; real files stay under 20 (JSON Schemas included)."""

_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def read_bytes(path: Path, *, error: type[McpshipError], max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """The file's bytes, at most ``max_bytes`` (a larger file, or a device that never ends, is an error)."""
    try:
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise error(f"{path}: cannot read it: {exc.strerror or exc}", hint="check that it is a readable file") from exc
    if len(data) > max_bytes:
        raise error(
            f"{path}: larger than {_size(max_bytes)}, more than such a file ever needs",
            hint="check that this is the right file",
        )
    return data


def read_toml_file(path: Path, *, error: type[McpshipError], max_bytes: int = MAX_FILE_BYTES) -> dict[str, Any]:
    return parse_toml(read_bytes(path, error=error, max_bytes=max_bytes), source=str(path), error=error)


def read_json_file(path: Path, *, error: type[McpshipError], max_bytes: int = MAX_FILE_BYTES) -> Any:
    return parse_json(read_bytes(path, error=error, max_bytes=max_bytes), source=str(path), error=error)


def read_text_file(path: Path, *, error: type[McpshipError], max_bytes: int = MAX_FILE_BYTES) -> str:
    """UTF-8 text (a leading BOM dropped); binary or non-UTF-8 content is an error naming line and column."""
    data = read_bytes(path, error=error, max_bytes=max_bytes)
    return _decode(data.removeprefix(_UTF8_BOM), source=str(path), kind="text", error=error)


def parse_toml(data: bytes | str, *, source: str, error: type[McpshipError]) -> dict[str, Any]:
    """A TOML document; ``source`` names it in errors (a path, or ``bundle.mcpb!pyproject.toml``)."""
    if isinstance(data, bytes):
        if data.startswith(_UTF8_BOM):
            _fail(
                error,
                source,
                "starts with a byte order mark (BOM), which TOML parsers (tomllib, and so every build backend) reject",
                "save it as UTF-8 without a BOM",
            )
        data = _decode(data, source=source, kind="TOML", error=error)
    try:
        document = tomllib.loads(data)
    except tomllib.TOMLDecodeError as exc:
        # tomllib's message ends with "(at line L, column C)"
        _fail(error, source, f"invalid TOML: {exc}", "fix the syntax at the line and column shown", cause=exc)
    except RecursionError:
        _too_deep(error, source)
    _check_depth(document, source=source, error=error)
    return document


def parse_json(data: bytes | str, *, source: str, error: type[McpshipError]) -> Any:
    """A JSON value by RFC 8259: no NaN or Infinity, no number too large for a double, no lone surrogate.

    A leading UTF-8 byte order mark is ignored, as the RFC allows (npm does the same for package.json)."""
    if isinstance(data, bytes):
        data = _decode(data.removeprefix(_UTF8_BOM), source=source, kind="JSON", error=error)
    else:
        data = data.removeprefix("\ufeff")
    try:
        value = json.loads(data, parse_constant=_refuse_constant, parse_float=_finite_float)
    except json.JSONDecodeError as exc:
        _fail(
            error,
            source,
            f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})",
            "fix the syntax at that position",
            cause=exc,
        )
    except RecursionError:
        _too_deep(error, source)
    except ValueError as exc:  # a non-finite number, or an integer longer than Python converts (4,300 digits)
        _fail(error, source, f"not valid JSON: {exc}", "JSON numbers are finite and of reasonable size", cause=exc)
    _check_depth(value, source=source, error=error)
    return value


def _decode(data: bytes, *, source: str, kind: str, error: type[McpshipError]) -> str:
    if data.startswith(_UTF16_BOMS):
        _fail(error, source, f"is UTF-16 text; {kind} files are UTF-8", "save it as UTF-8")
    nul = data.find(b"\0")
    if nul >= 0:
        _fail(
            error,
            source,
            f"is a binary file (a NUL byte at {_position(data, nul)}), not {kind}",
            "check that this is the right file",
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        _fail(
            error,
            source,
            f"is not UTF-8 (byte 0x{data[exc.start]:02x} at {_position(data, exc.start)} cannot be decoded)",
            "save it as UTF-8",
            cause=exc,
        )


def _position(data: bytes, offset: int) -> str:
    line = data.count(b"\n", 0, offset) + 1
    column = offset - (data.rfind(b"\n", 0, offset) + 1) + 1
    return f"line {line}, column {column}"


def _refuse_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text[:40]} is too large for a JSON number (it would be infinite)")
    return value


def _check_depth(value: Any, *, source: str, error: type[McpshipError]) -> None:
    """Iteratively, so the check itself cannot overflow; strings must also be encodable (no lone surrogates)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        current, depth = stack.pop()
        if isinstance(current, dict):
            children: Any = current.values()
            for key in current:
                _check_text(key, source=source, error=error)
        elif isinstance(current, list):
            children = current
        else:
            if isinstance(current, str):
                _check_text(current, source=source, error=error)
            continue
        if depth > MAX_DEPTH:
            _too_deep(error, source)
        stack.extend((child, depth + 1) for child in children)


def _check_text(text: str, *, source: str, error: type[McpshipError]) -> None:
    if text.isascii():
        return
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        _fail(
            error,
            source,
            f"holds a lone surrogate escape (\\u{ord(text[exc.start]):04x}), which is not a Unicode character",
            "escape characters outside the BMP as a surrogate pair, or write them as UTF-8",
            cause=exc,
        )


def _too_deep(error: type[McpshipError], source: str) -> NoReturn:
    _fail(
        error,
        source,
        f"nested more than {MAX_DEPTH} levels deep, far deeper than any real file of this kind",
        "check that this is the right file",
    )


def _fail(
    error: type[McpshipError], source: str, message: str, hint: str, *, cause: BaseException | None = None
) -> NoReturn:
    # The parser's own error is kept as __cause__ for -v; a RecursionError's traceback is useless, so none.
    raise error(f"{source}: {message}", hint=hint) from cause


def _size(count: int) -> str:
    return f"{count // (1024 * 1024)} MiB" if count >= 1024 * 1024 else f"{count} bytes"
