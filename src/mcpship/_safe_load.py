"""Read the files users, registries and packages hand us: TOML, JSON and plain text, bounded in size and depth.

Every way such a file can be malformed (larger than the cap, binary, UTF-16 or not UTF-8 at all, a byte order
mark in TOML, bad syntax, nested deeper than anything real, anything RFC 8259 refuses in JSON) becomes one
:class:`McpshipError` of the caller's class naming the file, and the line and column where the parser gives
them; never a traceback. JSON is read by the strict core (:mod:`mcpship._strict_json`: nesting counted before
parsing, so 100,000 ``[`` never reach the parser); ``tomllib`` recurses once per nesting level, so its
RecursionError is an error here too, and a TOML document is checked to stay within :data:`MAX_DEPTH` before any
other code (pydantic, recursive walks, ``json.dumps``) recurses through it.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, NoReturn

from mcpship import _strict_json
from mcpship._exceptions import McpshipError
from mcpship._strict_json import Refusal, StrictJsonError

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
MAX_DEPTH = _strict_json.MAX_DEPTH
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
    for refusal in _strict_json.refusals(document, max_depth=MAX_DEPTH):
        if refusal.kind == "depth":  # TOML has inf and nan, and no way to write a lone surrogate
            _too_deep(error, source)
    return document


def parse_json(data: bytes | str, *, source: str, error: type[McpshipError]) -> Any:
    """A JSON value by RFC 8259 (:mod:`mcpship._strict_json`): no NaN or Infinity, no number beyond a double, no
    lone surrogate, nested at most :data:`MAX_DEPTH` levels; repeated keys are read as every parser reads them
    (the last one wins). A leading UTF-8 byte order mark is ignored, as the RFC allows (npm does the same for
    package.json)."""
    if isinstance(data, bytes):
        data = _decode(data.removeprefix(_UTF8_BOM), source=source, kind="JSON", error=error)
    else:
        data = data.removeprefix("\ufeff")
    try:
        return _strict_json.loads(data, max_depth=MAX_DEPTH)
    except StrictJsonError as exc:
        _refuse(exc.refusals[0], error, source)


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


def _refuse(refusal: Refusal, error: type[McpshipError], source: str) -> NoReturn:
    if refusal.kind == "depth":
        _too_deep(error, source)
    if refusal.kind == "syntax":
        message = f"not valid JSON (line {refusal.line}, column {refusal.column}: {refusal.message})"
        _fail(error, source, message, "fix the syntax at that position")
    if refusal.kind in ("surrogate", "surrogate-in-key"):
        _fail(
            error,
            source,
            f"holds a lone surrogate escape ({refusal.token}), which is not a Unicode character",
            "escape characters outside the BMP as a surrogate pair, or write them as UTF-8",
        )
    if refusal.kind == "out-of-range":
        reason = f"{refusal.token} is too large for a JSON number (it would be infinite)"
    else:
        reason = refusal.message
    _fail(error, source, f"not valid JSON: {reason}", "JSON numbers are finite and of reasonable size")


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
