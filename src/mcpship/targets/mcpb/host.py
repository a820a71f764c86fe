"""Resolve a manifest's ``mcp_config`` exactly as MCPB hosts do (``getMcpConfigForManifest`` in the official
``src/shared/config.ts``, 2.1.2), quirks included, so mcpship can start a bundle the way users get it:

* ``platform_overrides[platform]`` replaces command, args and env field by field (env is replaced, not merged);
* variables: ``${__dirname}``, ``${pathSeparator}``, ``${/}``, the host's folders (``${HOME}``, ``${DESKTOP}``,
  ``${DOCUMENTS}``, ``${DOWNLOADS}``) and ``${user_config.KEY}`` from the defaults overlaid by the user's values;
  booleans become ``"true"``/``"false"``, numbers their text;
* an argument that is exactly ``${user_config.KEY}`` with a list value expands into several arguments; a list
  inside a longer string or in env is left as the literal placeholder, as is any unknown variable;
* one pass only: ``${HOME}`` inside a user_config default stays as written.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mcpship._exceptions import UsageError

__all__ = ["HostLaunch", "host_platform", "missing_required_config", "resolve_mcp_config", "system_directories"]

_WHOLE_USER_CONFIG = re.compile(r"^\$\{user_config\.[^}]+\}$")
Value = str | list[str]


@dataclass(frozen=True)
class HostLaunch:
    command: str
    args: tuple[str, ...]
    env: dict[str, str]
    """Only the manifest's variables; hosts add them to their own environment."""


def host_platform() -> str:
    """This machine as Node's ``process.platform`` names it (the keys of ``platform_overrides``)."""
    return "win32" if sys.platform.startswith("win") else sys.platform


def system_directories(home: Path | None = None) -> dict[str, str]:
    base = home or Path.home()
    return {
        "HOME": str(base),
        "DESKTOP": str(base / "Desktop"),
        "DOCUMENTS": str(base / "Documents"),
        "DOWNLOADS": str(base / "Downloads"),
    }


def missing_required_config(manifest: Mapping[str, Any], user_config: Mapping[str, object] | None) -> list[str]:
    """Keys of required user_config options without a usable value (unset, empty, or a list with empties).

    Like the hosts, defaults do not count: a required option needs the user's own value.
    """
    options = manifest.get("user_config") or {}
    given = user_config or {}
    missing: list[str] = []
    for key, option in options.items():
        if not isinstance(option, Mapping) or not option.get("required"):
            continue
        value = given.get(key)
        if _blank(value) or (isinstance(value, list) and (not value or any(_blank(item) for item in value))):
            missing.append(key)
    return missing


def resolve_mcp_config(
    manifest: Mapping[str, Any],
    bundle_dir: Path | str,
    *,
    user_config: Mapping[str, object] | None = None,
    platform: str | None = None,
    system_dirs: Mapping[str, str] | None = None,
    path_separator: str = os.sep,
) -> HostLaunch:
    """The command, arguments and environment a host runs for the bundle unpacked in ``bundle_dir``.

    Raises :class:`UsageError` when a required user_config value is missing (a host would not start it).
    """
    base = (manifest.get("server") or {}).get("mcp_config")
    if not isinstance(base, Mapping) or not isinstance(base.get("command"), str):
        raise UsageError("the manifest has no server.mcp_config.command", hint="validate the bundle first")
    config: dict[str, Any] = dict(base)
    override = (base.get("platform_overrides") or {}).get(platform or host_platform())
    if isinstance(override, Mapping):
        # The host writes `override.x || base.x`: JavaScript truthiness, so "" falls back but [] and {} win.
        if override.get("command"):
            config["command"] = override["command"]
        for key in ("args", "env"):
            if override.get(key) is not None:
                config[key] = override[key]
    missing = missing_required_config(manifest, user_config)
    if missing:
        raise UsageError(
            f"required user_config missing: {', '.join(missing)} (a host would not start this server)",
            hint="give a value for each, e.g. user_config={" + ", ".join(f"{k!r}: ..." for k in missing) + "}",
        )
    variables = _variables(manifest, str(bundle_dir), user_config, system_dirs, path_separator)
    args = _replace_args(list(config.get("args") or []), variables)
    env = {str(key): _replace_string(str(value), variables) for key, value in (config.get("env") or {}).items()}
    return HostLaunch(command=_replace_string(config["command"], variables), args=tuple(args), env=env)


def _blank(value: object) -> bool:
    return value is None or value == ""


def _variables(
    manifest: Mapping[str, Any],
    bundle_dir: str,
    user_config: Mapping[str, object] | None,
    system_dirs: Mapping[str, str] | None,
    separator: str,
) -> dict[str, Value]:
    # Insertion order matters: the host substitutes one variable after another in this order.
    variables: dict[str, Value] = {"__dirname": bundle_dir, "pathSeparator": separator, "/": separator}
    variables.update(system_directories() if system_dirs is None else system_dirs)
    merged: dict[str, object] = {}
    for key, option in (manifest.get("user_config") or {}).items():
        if isinstance(option, Mapping) and option.get("default") is not None:
            merged[key] = option["default"]
    merged.update(user_config or {})
    for key, value in merged.items():
        variables[f"user_config.{key}"] = (
            [_js_string(item) for item in value] if isinstance(value, list) else (_js_string(value))
        )
    return variables


def _js_string(value: object) -> str:
    """``String(value)`` as JavaScript writes it, for the values JSON can hold."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if value is None:
        return "null"
    return str(value)


def _replace_args(args: list[Any], variables: Mapping[str, Value]) -> list[str]:
    result: list[str] = []
    for item in args:
        if isinstance(item, str) and _WHOLE_USER_CONFIG.match(item):
            value = variables.get(item[2:-1])
            if value is None or value == "":  # JavaScript truthiness again: "" keeps the placeholder, [] does not
                result.append(item)
            elif isinstance(value, list):
                result.extend(value)
            else:
                result.append(value)
        else:
            result.append(_replace_string(str(item), variables))
    return result


def _replace_string(text: str, variables: Mapping[str, Value]) -> str:
    result = text
    for key, replacement in variables.items():
        placeholder = "${" + key + "}"
        if placeholder not in result or isinstance(replacement, list):
            continue  # a list cannot go into a string: the host warns and leaves the placeholder
        result = _js_replace_all(result, placeholder, replacement)
    return result


def _js_replace_all(text: str, placeholder: str, replacement: str) -> str:
    """``text.replace(/placeholder/g, replacement)``: JavaScript expands ``$$``, ``$&``, ``$``` and ``$'``
    in the replacement, so a value containing them arrives changed, exactly as on a real host."""
    pieces: list[str] = []
    position = 0
    while (found := text.find(placeholder, position)) != -1:
        end = found + len(placeholder)
        pieces.append(text[position:found])
        pieces.append(_expand_dollars(replacement, before=text[:found], match=placeholder, after=text[end:]))
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


def _expand_dollars(replacement: str, *, before: str, match: str, after: str) -> str:
    if "$" not in replacement:
        return replacement
    out: list[str] = []
    index = 0
    while index < len(replacement):
        char = replacement[index]
        following = replacement[index + 1] if index + 1 < len(replacement) else ""
        special = {"$": "$", "&": match, "`": before, "'": after}.get(following) if char == "$" else None
        if special is not None:
            out.append(special)
            index += 2
        else:
            out.append(char)
            index += 1
    return "".join(out)
