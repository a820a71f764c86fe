"""Read and replace one version value inside a file's text, keeping every other byte as it was.

TOML goes through tomlkit (comments, quoting and layout survive); JSON, Python, Dockerfiles and plain version files
are edited by replacing only the value's span, so indentation, key order, escapes and the final newline stay exactly
as the author (or npm) wrote them. Every edit is checked by parsing the result again: the version moved and
nothing else did.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass
from typing import Any, Literal

import tomlkit
import tomlkit.items

from mcpship._exceptions import VersionError

__all__ = ["Locator", "read_value", "replace_values"]

Format = Literal["toml", "json", "python", "dockerfile-arg", "dockerfile-label", "text"]

_MAX_JSON_DEPTH = 64
_DECODER = json.JSONDecoder()
_WHITESPACE = " \t\n\r"
# `__version__ = "1.2.3"` (hatch's default pattern also accepts VERSION); the value has no quotes or escapes.
_PYTHON = r"^[ \t]*{name}[ \t]*(?::[ \t]*str[ \t]*)?=[ \t]*(?P<q>[\"'])(?P<v>[^\"'\\\n]*)(?P=q)"
_DOCKER_ARG = re.compile(r"^[ \t]*ARG[ \t]+VERSION[ \t]*=[ \t]*(?P<q>[\"']?)(?P<v>[0-9A-Za-z.+\-]+)(?P=q)", re.I | re.M)
_DOCKER_LABEL = re.compile(
    r"\borg\.opencontainers\.image\.version[ \t]*=[ \t]*(?P<q>[\"']?)(?P<v>[0-9A-Za-z.+\-]+)(?P=q)(?=[\s\\]|$)"
)


@dataclass(frozen=True)
class Locator:
    """Where a version sits in a file: a TOML or JSON key path, a Python variable name, or the index of a
    Dockerfile ``ARG VERSION=`` / ``LABEL org.opencontainers.image.version=`` among the file's matches."""

    format: Format
    key: tuple[str | int, ...] = ()


def read_value(locator: Locator, text: str) -> str | None:
    """The version at ``locator`` in ``text``; None when the file has no (string) value there."""
    if locator.format == "toml":
        value: Any = tomllib.loads(text)
        for part in locator.key:
            value = value.get(part) if isinstance(value, dict) else None
        return value if isinstance(value, str) else None
    if locator.format == "json":
        span = _json_spans(text, [locator.key]).get(locator.key)
        return json.loads(text[span[0] : span[1]]) if span else None
    span = _regex_span(locator, text)
    return text[span[0] : span[1]] if span else None


def replace_values(text: str, edits: list[tuple[Locator, str]]) -> str:
    """``text`` with each locator's value replaced; raise :class:`VersionError` if a value is not where it was
    read, or if anything but the versions would change."""
    if not edits:
        return text
    formats = {locator.format for locator, _ in edits}
    if "toml" in formats:
        if formats != {"toml"}:
            raise AssertionError(formats)  # a TOML file only holds TOML places
        new_text = _replace_toml(text, edits)
    else:
        new_text = _replace_spans(text, edits)
    _check_only_versions_changed(text, new_text, edits)
    return new_text


def _replace_toml(text: str, edits: list[tuple[Locator, str]]) -> str:
    document = tomlkit.parse(text)
    for locator, new in edits:
        container: Any = document
        *parents, last = locator.key
        for part in parents:
            container = container[part]
        old = container[last]
        if not isinstance(old, tomlkit.items.String):
            raise VersionError(f"[{'.'.join(map(str, parents))}].{last} is not a string", hint="write it as a string")
        replacement = tomlkit.items.String.from_raw(new, type_=old.type)
        replacement.trivia.indent = old.trivia.indent
        replacement.trivia.comment_ws = old.trivia.comment_ws
        replacement.trivia.comment = old.trivia.comment
        replacement.trivia.trail = old.trivia.trail
        container[last] = replacement
    return tomlkit.dumps(document)


def _replace_spans(text: str, edits: list[tuple[Locator, str]]) -> str:
    json_keys = [locator.key for locator, _ in edits if locator.format == "json"]
    json_spans = _json_spans(text, json_keys) if json_keys else {}
    spans: list[tuple[int, int, str]] = []
    for locator, new in edits:
        if locator.format == "json":
            span = json_spans.get(locator.key)
            if span is not None:
                spans.append((span[0], span[1], json.dumps(new, ensure_ascii=False)))
                continue
        else:
            span = _regex_span(locator, text)
            if span is not None:
                spans.append((span[0], span[1], new))
                continue
        raise VersionError(f"{_describe(locator)}: the version is no longer there", hint="run the command again")
    for start, end, replacement in sorted(spans, reverse=True):
        text = text[:start] + replacement + text[end:]
    return text


def _check_only_versions_changed(old_text: str, new_text: str, edits: list[tuple[Locator, str]]) -> None:
    """Parse both texts: each edited value must read as its new version, and (for TOML and JSON) the documents
    must be equal once the old one's values are replaced too."""
    for locator, new in edits:
        if read_value(locator, new_text) != new:
            raise VersionError(f"{_describe(locator)}: writing {new!r} did not read back", hint=_REPORT)
    formats = {locator.format for locator, _ in edits}
    if formats <= {"toml", "json"}:
        load = tomllib.loads if formats == {"toml"} else json.loads
        expected = load(old_text)
        for locator, new in edits:
            _set_in(expected, locator.key, new)
        if load(new_text) != expected:
            raise VersionError("replacing the version changed other values of the file", hint=_REPORT)


_REPORT = "the file was left as it was; set the version by hand and report this at github.com/mcpship/mcpship"


def _set_in(document: Any, key: tuple[str | int, ...], value: str) -> None:
    *parents, last = key
    for part in parents:
        document = document[part]
    document[last] = value


def _describe(locator: Locator) -> str:
    if locator.format in ("toml", "json"):
        return ".".join(str(part) for part in locator.key)
    return str(locator.key[0]) if locator.key else locator.format


# -- regex places ----------------------------------------------------------------------------------------------


def _regex_span(locator: Locator, text: str) -> tuple[int, int] | None:
    if locator.format == "text":
        stripped = text.strip()
        if not stripped or "\n" in stripped:
            return None
        start = text.index(stripped)
        return start, start + len(stripped)
    matches = regex_matches(locator.format, text, str(locator.key[0]) if locator.key else "")
    index = int(locator.key[1]) if len(locator.key) > 1 else 0
    if index >= len(matches):
        return None
    return matches[index].span("v")


def regex_matches(fmt: Format, text: str, name: str = "") -> list[re.Match[str]]:
    """The version assignments of a Python module (variable ``name``) or a Dockerfile, outside comments."""
    if fmt == "python":
        pattern = re.compile(_PYTHON.format(name=re.escape(name)), re.M)
    elif fmt == "dockerfile-arg":
        pattern = _DOCKER_ARG
    elif fmt == "dockerfile-label":
        pattern = _DOCKER_LABEL
    else:
        raise AssertionError(fmt)
    return [match for match in pattern.finditer(text) if not _in_comment(text, match.start())]


def _in_comment(text: str, position: int) -> bool:
    line_start = text.rfind("\n", 0, position) + 1
    return text[line_start:position].lstrip().startswith("#")


# -- JSON spans ------------------------------------------------------------------------------------------------


def _json_spans(text: str, keys: list[tuple[str | int, ...]]) -> dict[tuple[str | int, ...], tuple[int, int]]:
    """The ``[start, end)`` span (quotes included) of the string at each key path; containers off every path are
    skipped by the C decoder, so a large package-lock.json is cheap."""
    found: dict[tuple[str | int, ...], tuple[int, int]] = {}
    try:
        _walk(text, _skip_ws(text, 0), (), set(keys), found)
    except (ValueError, IndexError, RecursionError) as exc:
        raise VersionError(f"not valid JSON: {exc}", hint="fix the file (it must parse as JSON)") from exc
    return found


_Key = tuple[str | int, ...]


def _walk(text: str, index: int, path: _Key, wanted: set[_Key], found: dict[_Key, tuple[int, int]]) -> int:
    """Scan the value at ``index`` (on a wanted path); return the index after it."""
    if len(path) > _MAX_JSON_DEPTH:
        raise ValueError("nested too deeply")
    on_path = path not in wanted and any(key[: len(path)] == path for key in wanted)
    char = text[index] if index < len(text) else ""
    if char == "{" and on_path:
        return _walk_object(text, index, path, wanted, found)
    if char == "[" and on_path:
        return _walk_array(text, index, path, wanted, found)
    value, end = _DECODER.raw_decode(text, index)
    if path in wanted and isinstance(value, str):
        found[path] = (index, end)
    return int(end)


def _walk_object(text: str, index: int, path: _Key, wanted: set[_Key], found: dict[_Key, tuple[int, int]]) -> int:
    index = _skip_ws(text, index + 1)
    if text[index] == "}":
        return index + 1
    while True:
        if text[index] != '"':
            raise ValueError(f"expected a key at {index}")
        name, index = json.decoder.scanstring(text, index + 1)  # type: ignore[attr-defined]
        index = _skip_ws(text, index)
        if text[index] != ":":
            raise ValueError(f"expected ':' at {index}")
        index = _skip_ws(text, _walk(text, _skip_ws(text, index + 1), (*path, name), wanted, found))
        if text[index] == "}":
            return index + 1
        if text[index] != ",":
            raise ValueError(f"expected ',' at {index}")
        index = _skip_ws(text, index + 1)


def _walk_array(text: str, index: int, path: _Key, wanted: set[_Key], found: dict[_Key, tuple[int, int]]) -> int:
    index = _skip_ws(text, index + 1)
    if text[index] == "]":
        return index + 1
    position = 0
    while True:
        index = _skip_ws(text, _walk(text, index, (*path, position), wanted, found))
        if text[index] == "]":
            return index + 1
        if text[index] != ",":
            raise ValueError(f"expected ',' at {index}")
        index = _skip_ws(text, index + 1)
        position += 1


def _skip_ws(text: str, index: int) -> int:
    while index < len(text) and text[index] in _WHITESPACE:
        index += 1
    return index
