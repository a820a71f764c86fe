"""Property tests over the snippet encoders: for any server.json-shaped entry (arbitrary unicode, newlines, quotes,
``$()``, backticks, NUL, lone surrogates, odd types), every snippet is exactly the model it was built from, in its
own format: shell lines split (``shlex.split``) to the intended argv, JSON and TOML parse to the intended values,
and deep links decode to the same config."""

from __future__ import annotations

import base64
import json
import re
import shlex
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mcpship.registry.web.snippets import (
    ENV_NAME,
    HEADER_NAME,
    Endpoint,
    InstallOption,
    Launch,
    Snippet,
    install_options,
    server_key,
)
from tests.registry_support.snippets import parse

PROPERTIES = settings(max_examples=300, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NASTY = [
    "API_KEY=x; touch ~/pwned; FOO",
    "X\ntouch ~/pwned\nY",
    "$(touch ~/pwned)",
    "`touch ~/pwned`",
    "a\x00b",
    "\ud800",
    "'",
    '"',
    "\\",
    "-c",
    "--call=touch ~/pwned",
    "{token}",
    "Bearer {token}",
    "${input:x}",
    "<X>",
    "",
    " ",
    "#",
    "~/x",
    "*",
    "a=b",
    "\r\n",
    "\u202e",
    "日本",
    "X-Api-Key",
    "Content-Type: a\r\nX-Evil: 1",
    "NOTES_TOKEN",
    "1ABC",
]
PLAIN = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._@/-]{0,8}", fullmatch=True)
TEXT = st.one_of(PLAIN, st.sampled_from(NASTY), st.text(st.characters(exclude_categories=()), max_size=10))
ENV_NAMES = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,10}", fullmatch=True)
ODD = st.one_of(st.none(), st.integers(), st.booleans(), st.floats(), st.lists(st.integers(), max_size=2))
VALUES = st.one_of(TEXT, st.integers(), st.booleans(), st.none())
GOOD_URLS = st.sampled_from(["https://h.example/mcp", "https://h.example/{tenant}/mcp", "http://127.0.0.1:8080/sse"])
BAD_URLS = st.sampled_from(
    ["https://h.example/a b", "javascript:alert(1)", "--help", "https://[::1/x", "https://h.example/\nx", ""]
)


def env_items(names: st.SearchStrategy[object]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {"name": names},
        optional={
            "value": VALUES,
            "default": VALUES,
            "isSecret": st.booleans(),
            "isRequired": st.booleans(),
            "description": TEXT,
        },
    )


ARGUMENTS = st.fixed_dictionaries(
    {"type": st.sampled_from(["positional", "named"])},
    optional={
        "name": TEXT,
        "value": VALUES,
        "valueHint": TEXT,
        "isRequired": st.booleans(),
        "isSecret": st.booleans(),
        "default": VALUES,
        "format": st.sampled_from(["boolean", "string"]),
    },
)


IDENTIFIERS = st.sampled_from(["pkg", "@s/pkg", "ghcr.io/a/b", "ghcr.io/a/b:1", "a.b_c"])
BASES = st.sampled_from(
    ["https://registry.npmjs.org", "https://pypi.org", "http://127.0.0.1:4873/", "https://x/simple"]
)


@dataclass(frozen=True)
class Shape:
    """Where hostile text goes: ``names`` for variable and header names, ``words`` for identifiers, URLs and the like
    (the well-formed shape keeps them valid so its options render), ``odd`` for what stands where a list goes."""

    names: st.SearchStrategy[Any]
    words: Callable[[st.SearchStrategy[str]], st.SearchStrategy[Any]]
    odd: st.SearchStrategy[Any]


def packages(shape: Shape) -> st.SearchStrategy[dict[str, Any]]:
    http = st.fixed_dictionaries(
        {"type": st.sampled_from(["streamable-http", "sse"]), "url": shape.words(GOOD_URLS)},
        optional={"headers": st.lists(env_items(shape.names), max_size=3)},
    )
    return st.fixed_dictionaries(
        {
            "registryType": st.sampled_from(["npm", "pypi", "nuget", "oci"]),
            "identifier": shape.words(IDENTIFIERS),
            "environmentVariables": st.one_of(st.lists(env_items(shape.names), max_size=4), shape.odd),
        },
        optional={
            "version": shape.words(PLAIN),
            "registryBaseUrl": shape.words(BASES),
            "runtimeArguments": st.one_of(st.lists(ARGUMENTS, max_size=3), shape.odd),
            "packageArguments": st.lists(ARGUMENTS, max_size=3),
            "transport": st.one_of(st.just({"type": "stdio"}), http, shape.odd),
        },
    )


def remotes(shape: Shape) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {
            "type": st.sampled_from(["streamable-http", "sse"]),
            "url": shape.words(GOOD_URLS),
            "headers": st.one_of(st.lists(env_items(shape.names), max_size=3), shape.odd),
        },
        optional={
            "variables": st.dictionaries(
                TEXT, st.fixed_dictionaries({}, optional={"default": VALUES, "isSecret": st.booleans()}), max_size=2
            ),
        },
    )


def servers(shape: Shape) -> st.SearchStrategy[dict[str, Any]]:
    other_packages = st.fixed_dictionaries(
        {"registryType": st.one_of(st.just("mcpb"), TEXT), "identifier": st.one_of(GOOD_URLS, TEXT)},
        optional={"fileSha256": TEXT},
    )
    return st.fixed_dictionaries(
        {
            "name": st.one_of(TEXT, st.sampled_from(["io.github.acme/notes", "a/--rf", "x/"])),
            "packages": st.one_of(st.lists(st.one_of(packages(shape), other_packages), max_size=3), shape.odd),
            "remotes": st.one_of(st.lists(remotes(shape), max_size=2), shape.odd),
        }
    )


# Well-formed entries with hostile text in every value and name (their options render snippets to check), and
# entries whose shape is hostile too: bad identifiers and URLs, odd types where lists and objects belong.
SERVERS = st.one_of(
    servers(Shape(st.one_of(ENV_NAMES, TEXT), lambda good: good, st.nothing())),
    servers(Shape(st.one_of(ENV_NAMES, TEXT, ODD), lambda good: st.one_of(good, BAD_URLS, TEXT, ODD), ODD)),
)
NOT_CARRIABLE = re.compile(r"[\x00\ud800-\udfff]")


# --- what each client's snippet must be, restated from the model ---------------------------------------------------


def stdio_expectations(key: str, launch: Launch) -> dict[str, Any]:
    env = {variable.name: variable.value for variable in launch.env}
    entry: dict[str, Any] = {"command": launch.command, "args": launch.args, **({"env": env} if env else {})}
    vscode_env = {v.name: f"${{input:{v.name}}}" if v.secret else v.value for v in launch.env}
    vscode: dict[str, Any] = {"servers": {key: {"type": "stdio", **entry, **({"env": vscode_env} if env else {})}}}
    inputs = [
        {"type": "promptString", "id": v.name, "description": v.description or v.name, "password": True}
        for v in launch.env
        if v.secret
    ]
    if inputs:
        vscode["inputs"] = inputs
    codex: dict[str, Any] = {"command": launch.command, "args": launch.args}
    if plain := {v.name: v.value for v in launch.env if not v.secret}:
        codex["env"] = plain
    if secret := [v.name for v in launch.env if v.secret]:
        codex["env_vars"] = secret
    claude = [word for v in launch.env for word in ("--env", f"{v.name}={v.value}")]
    command = [launch.command, *launch.args]
    return {
        "Claude Desktop": {"mcpServers": {key: entry}},
        "Cursor": {"mcpServers": {key: entry}},
        "VS Code": vscode,
        "Claude Code": ["claude", "mcp", "add", *claude, "--transport", "stdio", key, "--", *command],
        "Codex": {"mcp_servers": {key: codex}},
        "Command line": command_line(launch),
    }


def command_line(launch: Launch) -> list[str]:
    assignments = [f"{variable.name}={variable.value}" for variable in launch.env]
    return [*(["env", *assignments] if assignments else []), launch.command, *launch.args]


def remote_expectations(key: str, endpoint: Endpoint) -> dict[str, Any]:
    headers = {header.name: header.value for header in endpoint.headers}
    cursor: dict[str, Any] = {"url": endpoint.url, **({"headers": headers} if headers else {})}
    sse = endpoint.transport == "sse"
    bridge = ["-y", "mcp-remote", endpoint.url, *(["--transport", "sse-only"] if sse else [])]
    bridge += [word for h in endpoint.headers for word in ("--header", f"{h.name}: {h.value}")]
    claude = [word for h in endpoint.headers for word in ("--header", f"{h.name}: {h.value}")]
    return {
        "Claude Desktop": {"mcpServers": {key: {"command": "npx", "args": bridge}}},
        "Cursor": {"mcpServers": {key: cursor}},
        "VS Code": {"servers": {key: {"type": "sse" if sse else "http", **cursor}}},
        "Claude Code": ["claude", "mcp", "add", *claude, "--transport", "sse" if sse else "http", key, endpoint.url],
        "Command line": ["npx", *bridge],
    }


def check_codex_remote(snippet: Snippet, key: str, endpoint: Endpoint) -> None:
    table = tomllib.loads(snippet.text)["mcp_servers"][key]
    assert table.pop("url") == endpoint.url
    assert table.pop("http_headers", {}) == {h.name: h.value for h in endpoint.headers if not h.secret}
    forwarded = table.pop("env_http_headers", {})
    assert set(forwarded) == {h.name for h in endpoint.headers if h.secret}
    assert all(ENV_NAME.fullmatch(variable) for variable in forwarded.values())
    assert table == {}


def check_model(option: InstallOption) -> None:
    """What no snippet may carry: names a client cannot set, options disguised as values, text no process takes."""
    if option.launch is not None:
        assert option.launch.command in ("npx", "uvx", "dnx", "docker")
        assert all(ENV_NAME.fullmatch(variable.name) for variable in option.launch.env)
        assert len({variable.name for variable in option.launch.env}) == len(option.launch.env)
        words = [*option.launch.args, *(variable.value for variable in option.launch.env)]
        assert not any(NOT_CARRIABLE.search(word) for word in words)
    if option.endpoint is not None:
        assert urlsplit(option.endpoint.url).scheme in ("http", "https")
        assert not re.search(r"\s", option.endpoint.url)
        assert all(HEADER_NAME.fullmatch(header.name) for header in option.endpoint.headers)
        assert not any(re.search(r"[\x00-\x08\x0a-\x1f\x7f\ud800-\udfff]", h.value) for h in option.endpoint.headers)


def check_links(option: InstallOption, key: str, by_client: Mapping[str, Any]) -> None:
    for link in option.links:
        if link.client == "Cursor":
            assert link.url.startswith("cursor://anysphere.cursor-deeplink/mcp/install?")
            query = parse_qs(urlsplit(link.url).query, keep_blank_values=True, strict_parsing=True)
            assert query["name"] == [key]
            assert json.loads(base64.b64decode(query["config"][0])) == by_client["Cursor"]["mcpServers"][key]
        else:
            assert link.client == "VS Code"
            assert link.url.startswith("vscode:mcp/install?")
            document = by_client["VS Code"]
            inputs = {"inputs": document["inputs"]} if "inputs" in document else {}
            assert json.loads(unquote(link.url.split("?", 1)[1])) == {"name": key, **document["servers"][key], **inputs}


def check_option(option: InstallOption, key: str) -> None:
    check_model(option)
    if not option.snippets:
        assert option.note or option.download_url is not None or option.label.startswith("mcpb")
        return
    snippets = list(option.snippets)
    expected: dict[str, Any] = {}
    if option.launch is not None and option.endpoint is not None:  # a package serving HTTP: start it, then connect
        first = snippets.pop(0)
        assert (first.client, shlex.split(first.text)) == ("Command line", command_line(option.launch))
    if option.endpoint is not None:
        expected = remote_expectations(key, option.endpoint)
    elif option.launch is not None:
        expected = stdio_expectations(key, option.launch)
    by_client: dict[str, Any] = {}
    for snippet in snippets:
        if snippet.client == "Codex" and option.endpoint is not None:
            check_codex_remote(snippet, key, option.endpoint)
            continue
        by_client[snippet.client] = parse(snippet)
        assert by_client[snippet.client] == expected[snippet.client], snippet.client
    check_links(option, key, by_client)


# --- the properties --------------------------------------------------------------------------------------------------


def check_warnings(server: Mapping[str, Any], options: list[InstallOption]) -> None:
    """Every required or secret variable is in the snippets when its name is valid, and named in a warning if not."""
    listed = (
        [item for item in server["packages"] if isinstance(item, dict)] if isinstance(server["packages"], list) else []
    )
    for package, option in zip(listed, options, strict=False):
        items = package.get("environmentVariables")
        if option.launch is None or not isinstance(items, list):
            continue
        for item in (item for item in items if isinstance(item, dict)):
            if not (item.get("isRequired") or item.get("isSecret")):
                continue
            name = item["name"]
            if isinstance(name, str) and ENV_NAME.fullmatch(name):
                assert name in {variable.name for variable in option.launch.env}
            else:
                assert any(warning.startswith("Left out the environment variable") for warning in option.warnings)


def kind_of(option: InstallOption) -> set[str]:
    kinds = {"warning"} if option.warnings else set()
    if option.launch is not None and option.endpoint is not None:
        kinds.add("package over http")
    elif option.launch is not None:
        kinds.add("stdio with env" if option.launch.env else "stdio")
    elif option.endpoint is not None:
        kinds.add("remote with headers" if option.endpoint.headers else "remote")
    elif option.note:
        kinds.add("refused")
    return kinds


def test_every_snippet_encodes_exactly_its_model_and_names_what_it_left_out_for_any_entry() -> None:
    seen: set[str] = set()

    @PROPERTIES
    @given(SERVERS)
    def holds(server: dict[str, Any]) -> None:
        key = server_key(str(server.get("name", "")))
        options = install_options(server)
        for option in options:
            check_option(option, key)
            seen.update(kind_of(option))
        check_warnings(server, options)

    holds()
    # The strategy must keep reaching every kind of option, or the checks above would pass on nothing.
    assert seen == {"package over http", "stdio", "stdio with env", "remote", "remote with headers", "warning",
                    "refused"}  # fmt: skip


@PROPERTIES
@given(st.text(st.characters(exclude_categories=()), max_size=40))
def test_server_keys_are_portable_words_that_never_read_as_an_option(name: str) -> None:
    key = server_key(name)
    assert re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_-]*", key)
