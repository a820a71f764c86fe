"""``resolve_mcp_config`` gives what the official host library's ``getMcpConfigForManifest`` gives, quirks and all."""

from __future__ import annotations

from typing import Any

import pytest

from mcpship._exceptions import UsageError
from mcpship.targets.mcpb.host import host_platform, missing_required_config, resolve_mcp_config
from tests.unit.targets.mcpb_support import official_library

SYSTEM_DIRS = {"HOME": "/home/ada", "DESKTOP": "/home/ada/Desktop", "DOCUMENTS": "/home/ada/Documents"}


def manifest(mcp_config: dict[str, Any], user_config: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "manifest_version": "0.3",
        "name": "demo",
        "server": {"type": "node", "entry_point": "index.js", "mcp_config": mcp_config},
        "user_config": user_config or {},
    }


def option(**fields: Any) -> dict[str, Any]:
    return {"type": "string", "title": "t", "description": "d", **fields}


CASES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "dirname, separators and home": (
        manifest({"command": "node", "args": ["${__dirname}${/}index.js", "${HOME}${pathSeparator}x"]}),
        {},
    ),
    "a list expands a whole argument only": (
        manifest(
            {
                "command": "node",
                "args": ["${user_config.dirs}", "--d=${user_config.dirs}"],
                "env": {"D": "${user_config.dirs}"},
            },
            {"dirs": option(type="directory", multiple=True)},
        ),
        {"dirs": ["/a", "/b"]},
    ),
    "an empty list expands to nothing, an empty string stays a placeholder": (
        manifest(
            {"command": "node", "args": ["${user_config.dirs}", "${user_config.name}", "x=${user_config.name}"]},
            {"dirs": option(multiple=True), "name": option()},
        ),
        {"dirs": [], "name": ""},
    ),
    "defaults under user values; booleans and numbers as text": (
        manifest(
            {"command": "node", "env": {"V": "${user_config.v}", "N": "${user_config.n}", "W": "${user_config.w}"}},
            {
                "v": option(type="boolean", default=False),
                "n": option(type="number", default=10),
                "w": option(default="${HOME}/Documents"),
            },
        ),
        {"n": 2.5},
    ),
    "unknown variables stay": (manifest({"command": "node", "args": ["${nope}", "${user_config.nope}"]}), {}),
    "dollar patterns in a value behave as in JavaScript": (
        manifest({"command": "node", "args": ["<${user_config.t}>"]}, {"t": option()}),
        {"t": "a$&b$$c$`d$'e$1"},
    ),
    "this platform's override replaces env wholesale and keeps args": (
        manifest(
            {
                "command": "python3",
                "args": ["${__dirname}/main.py"],
                "env": {"A": "1", "B": "2"},
                "platform_overrides": {
                    host_platform(): {"command": "python", "env": {"B": "3"}},
                    "other": {"args": []},
                },
            }
        ),
        {},
    ),
    "an empty override list still wins": (
        manifest({"command": "node", "args": ["x"], "platform_overrides": {host_platform(): {"args": []}}}),
        {},
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_resolution_matches_the_official_library(name: str) -> None:
    data, user = CASES[name]
    (official,) = official_library(
        "config",
        [
            {
                "manifest": data,
                "extensionPath": "/ext/demo",
                "systemDirs": SYSTEM_DIRS,
                "userConfig": user,
                "pathSeparator": "/",
            }
        ],
    )
    ours = resolve_mcp_config(data, "/ext/demo", user_config=user, system_dirs=SYSTEM_DIRS, path_separator="/")
    assert ours.command == official["command"]
    assert list(ours.args) == official.get("args", [])
    assert ours.env == official.get("env", {})


def test_a_missing_required_value_stops_the_launch_as_on_a_host() -> None:
    data = manifest(
        {"command": "node"},
        {"token": option(required=True, default="ignored"), "dirs": option(required=True, multiple=True)},
    )
    user = {"dirs": ["/a", ""]}
    assert official_library("config", [{"manifest": data, "extensionPath": "/x", "userConfig": user}]) == [None]
    assert missing_required_config(data, user) == ["token", "dirs"]
    with pytest.raises(UsageError, match="token, dirs"):
        resolve_mcp_config(data, "/x", user_config=user)
    resolved = resolve_mcp_config(data, "/x", user_config={"token": "t", "dirs": ["/a"]})
    assert resolved.command == "node"
