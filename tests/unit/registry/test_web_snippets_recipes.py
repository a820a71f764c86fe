"""Install snippets, rule by rule: how each package type starts, which arguments, variables and headers a snippet
carries (and the warning for each one left out), each refusal's reason, and where each client's text goes."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import quote, quote_plus

import pytest

from mcpship.registry.web import snippets as snippets_module
from mcpship.registry.web.snippets import (
    DeepLink,
    Endpoint,
    EnvVar,
    InstallOption,
    Launch,
    Snippet,
    install_option_count,
    install_options,
    server_key,
)
from tests.registry_support.snippets import parse


def only(package: dict[str, Any] | None = None, *, remote: dict[str, Any] | None = None) -> InstallOption:
    server: dict[str, Any] = {"name": "io.github.acme/notes"}
    if package is not None:
        server["packages"] = [package]
    if remote is not None:
        server["remotes"] = [remote]
    [option] = install_options(server)
    return option


def npm(**fields: Any) -> dict[str, Any]:
    return {"registryType": "npm", "identifier": "pkg", "version": "1.0.0", **fields}


def command(option: InstallOption) -> list[str]:
    [line] = [snippet for snippet in option.snippets if snippet.client == "Command line"]
    words: list[str] = parse(line)
    return words


def launch(package: dict[str, Any]) -> Launch:
    option = only(package)
    assert option.launch is not None, option.note
    return option.launch


def endpoint(remote: dict[str, Any]) -> Endpoint:
    option = only(remote=remote)
    assert option.endpoint is not None, option.note
    return option.endpoint


# --- how each package type starts -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("package", "words"),
    [
        (npm(), ["npx", "-y", "pkg@1.0.0"]),
        (npm(version=""), ["npx", "-y", "pkg"]),
        (npm(registryBaseUrl="https://registry.npmjs.org/"), ["npx", "-y", "pkg@1.0.0"]),
        (npm(registryBaseUrl="https://npm.example/"), ["npx", "-y", "--registry", "https://npm.example", "pkg@1.0.0"]),
        (npm(registryBaseUrl="https://h.example/X//"), ["npx", "-y", "--registry", "https://h.example/X", "pkg@1.0.0"]),
        ({"registryType": "pypi", "identifier": "p", "version": "2"}, ["uvx", "p==2"]),
        ({"registryType": "pypi", "identifier": "p"}, ["uvx", "p"]),
        (
            {"registryType": "pypi", "identifier": "p", "registryBaseUrl": "https://pypi.org/"},
            ["uvx", "p"],
        ),
        (
            {"registryType": "pypi", "identifier": "p", "registryBaseUrl": "http://h.example/simple"},
            ["uvx", "--default-index", "http://h.example/simple/", "p"],
        ),
        (
            {"registryType": "pypi", "identifier": "p", "registryBaseUrl": "http://h.example/simple/"},
            ["uvx", "--default-index", "http://h.example/simple/", "p"],
        ),
        (
            {"registryType": "nuget", "identifier": "Acme.Notes", "version": "1.0.0"},
            ["dnx", "Acme.Notes@1.0.0", "--yes"],
        ),
        ({"registryType": "nuget", "identifier": "Acme.Notes"}, ["dnx", "Acme.Notes", "--yes"]),
        (
            {"registryType": "oci", "identifier": "ghcr.io/a/b", "version": "1"},
            ["docker", "run", "-i", "--rm", "ghcr.io/a/b:1"],
        ),
        ({"registryType": "oci", "identifier": "ghcr.io/a/b"}, ["docker", "run", "-i", "--rm", "ghcr.io/a/b"]),
        (
            {"registryType": "oci", "identifier": "ghcr.io/a/b:2", "version": "1"},
            ["docker", "run", "-i", "--rm", "ghcr.io/a/b:2"],
        ),
        (
            {"registryType": "oci", "identifier": "ghcr.io/a/b@sha256:ab", "version": "1"},
            ["docker", "run", "-i", "--rm", "ghcr.io/a/b@sha256:ab"],
        ),
        (
            {"registryType": "oci", "identifier": "localhost:5000/b", "version": "1"},
            ["docker", "run", "-i", "--rm", "localhost:5000/b:1"],
        ),
        (
            {"registryType": "oci", "identifier": "h/b@digest", "version": "1"},
            ["docker", "run", "-i", "--rm", "h/b@digest"],
        ),
        (
            {"registryType": "oci", "identifier": "h/ns:x/b", "version": "1"},
            ["docker", "run", "-i", "--rm", "h/ns:x/b:1"],
        ),
    ],
    ids=[
        "npm pinned",
        "npm unversioned",
        "npm default registry",
        "npm own registry",
        "npm own registry with slashes",
        "pypi pinned",
        "pypi unversioned",
        "pypi default index",
        "pypi simple index",
        "pypi simple index with slash",
        "nuget pinned",
        "nuget unversioned",
        "oci tagged from version",
        "oci untagged",
        "oci tag kept",
        "oci digest kept",
        "oci registry port is not a tag",
        "oci digest mark kept",
        "oci only the last segment holds a tag",
    ],
)
def test_each_package_type_starts_with_its_own_runner_pinned_to_the_version(
    package: dict[str, Any], words: list[str]
) -> None:
    assert command(only(package)) == words


def test_runtime_arguments_go_to_the_runner_and_package_arguments_to_the_package() -> None:
    runtime = [{"type": "named", "name": "--node-options", "value": "--max-old-space-size=512"}]
    arguments = [{"type": "positional", "value": "serve"}]
    fields = {"runtimeArguments": runtime, "packageArguments": arguments}
    variables = [{"name": "TOKEN", "isSecret": True}]
    assert launch(npm(**fields)).args == ["-y", "--node-options", "--max-old-space-size=512", "pkg@1.0.0", "serve"]
    assert launch({"registryType": "pypi", "identifier": "p", **fields}).args == [
        "--node-options", "--max-old-space-size=512", "p", "serve",
    ]  # fmt: skip
    assert launch({"registryType": "nuget", "identifier": "n", **fields}).args == [
        "--node-options", "--max-old-space-size=512", "n", "--yes", "serve",
    ]  # fmt: skip
    oci = {"registryType": "oci", "identifier": "i", "environmentVariables": variables, **fields}
    assert launch(oci).args == [
        "run", "-i", "--rm", "-e", "TOKEN", "--node-options", "--max-old-space-size=512", "i", "serve",
    ]  # fmt: skip


# --- arguments --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argument", "words"),
    [
        ({"type": "positional", "value": "serve"}, ["serve"]),
        ({"type": "positional", "default": "serve"}, ["serve"]),
        ({"type": "positional", "value": "", "default": "fallback"}, ["fallback"]),
        ({"type": "positional", "value": "a", "default": "b"}, ["a"]),
        ({"type": "positional", "value": 8080}, ["8080"]),
        ({"type": "positional", "value": "{port}"}, ["<port>"]),
        ({"type": "positional", "valueHint": "dir"}, []),
        ({"type": "positional", "valueHint": "dir", "isRequired": True}, ["<dir>"]),
        ({"type": "named", "name": "--dir", "isRequired": True}, ["--dir", "<dir>"]),
        ({"type": "positional", "isRequired": True}, ["<value>"]),
        ({"type": "positional", "valueHint": "", "name": "-x", "isRequired": True}, ["<x>"]),
        ({"type": "named", "name": "-Xmx", "isRequired": True}, ["-Xmx", "<Xmx>"]),
        ({"type": "named", "name": "--key", "value": "s3cret", "isSecret": True}, ["--key", "<key>"]),
        (
            {"type": "named", "name": "--key", "value": "s3cret", "valueHint": "api_key", "isSecret": True},
            ["--key", "<api_key>"],
        ),
        ({"type": "named", "name": "--debug", "format": "boolean", "value": True}, ["--debug"]),
        ({"type": "named", "name": "--debug", "format": "boolean", "value": "true"}, ["--debug"]),
        ({"type": "named", "name": "--debug", "format": "boolean", "value": False}, ["--debug", "false"]),
        ({"type": "named", "name": "--debug", "value": True}, ["--debug", "true"]),
        ({"type": "positional", "format": "boolean", "value": True}, ["true"]),
        ({"type": "named", "value": "v"}, ["", "v"]),
    ],
)
def test_fixed_and_required_arguments_are_passed_and_optional_blank_ones_left_out(
    argument: dict[str, Any], words: list[str]
) -> None:
    assert launch(npm(packageArguments=[argument])).args == ["-y", "pkg@1.0.0", *words]


def test_arguments_after_a_boolean_flag_are_still_passed() -> None:
    arguments = [
        {"type": "named", "name": "--debug", "format": "boolean", "value": True},
        {"type": "positional", "value": "serve"},
    ]
    assert launch(npm(packageArguments=arguments)).args == ["-y", "pkg@1.0.0", "--debug", "serve"]


def test_arguments_that_are_not_objects_or_not_a_list_are_ignored() -> None:
    assert launch(npm(packageArguments=["serve", 3, None, {"type": "positional", "value": "ok"}])).args == [
        "-y", "pkg@1.0.0", "ok",
    ]  # fmt: skip
    assert launch(npm(packageArguments={"type": "positional", "value": "serve"})).args == ["-y", "pkg@1.0.0"]


# --- environment variables --------------------------------------------------------------------------------------------


def test_required_secret_and_valued_variables_are_set_and_optional_blank_ones_left_out() -> None:
    variables = [
        {"name": "REQUIRED", "isRequired": True, "description": "Needed."},
        {"name": "SECRET", "isSecret": True, "value": "s3cret"},
        {"name": "VALUE", "value": "v"},
        {"name": "DEFAULT", "default": "d"},
        {"name": "FLAG", "default": False},
        {"name": "PORT", "default": 8080},
        {"name": "RATIO", "default": 0.5},
        {"name": "TEMPLATE", "value": "{home}/notes"},
        {"name": "BLANK"},
        {"name": "EMPTY", "value": ""},
        {"name": "OPTIONAL", "description": "optional and blank"},
    ]
    assert launch(npm(environmentVariables=variables)).env == [
        EnvVar("REQUIRED", "<REQUIRED>", False, "Needed."),
        EnvVar("SECRET", "<SECRET>", True, ""),
        EnvVar("VALUE", "v"),
        EnvVar("DEFAULT", "d"),
        EnvVar("FLAG", "false"),
        EnvVar("PORT", "8080"),
        EnvVar("RATIO", "0.5"),
        EnvVar("TEMPLATE", "<home>/notes"),
    ]


@pytest.mark.parametrize(
    ("name", "shown"),
    [(None, "'None'"), (3, "'3'"), ("", "''"), ("1ABC", "'1ABC'"), ("A-B", "'A-B'"), ("A B", "'A B'")],
)
def test_a_variable_no_environment_can_hold_is_left_out_with_a_warning_naming_it(name: object, shown: str) -> None:
    option = only(npm(environmentVariables=[{"name": name, "value": "x"}, {"name": "GOOD", "value": "y"}]))
    assert option.warnings == [
        f"Left out the environment variable {shown}: a name must match [A-Za-z_][A-Za-z0-9_]*, "
        "so no client could set it."
    ]
    assert option.launch is not None
    assert option.launch.env == [EnvVar("GOOD", "y")]


def test_an_optional_blank_variable_with_a_bad_name_is_left_out_silently() -> None:
    option = only(npm(environmentVariables=[{"name": "A B"}]))
    assert option.warnings == []


def test_a_variable_listed_twice_is_set_once_from_its_first_listing_with_a_warning() -> None:
    option = only(npm(environmentVariables=[{"name": "A", "value": "1"}, {"name": "A", "value": "2"}]))
    assert option.warnings == ["The environment variable A is listed twice: the first one is used."]
    assert option.launch is not None
    assert option.launch.env == [EnvVar("A", "1")]


def test_variables_that_are_not_a_list_of_objects_are_ignored() -> None:
    assert launch(npm(environmentVariables={"name": "A", "value": "1"})).env == []
    assert launch(npm(environmentVariables=["A", {"name": "B", "value": "1"}])).env == [EnvVar("B", "1")]


# --- remotes, URLs and headers ----------------------------------------------------------------------------------------


def test_url_variables_are_filled_from_their_value_and_secret_or_blank_ones_become_placeholders() -> None:
    remote = {
        "type": "sse",
        "url": "https://{host}/{tenant}/{token}/{region}/{unknown}/mcp",
        "variables": {
            "host": {"value": "h.example"},
            "tenant": {"default": "acme"},
            "token": {"default": "s3cret", "isSecret": True},
            "region": {"description": "no value"},
            "unknown": "not an object",
        },
    }
    found = endpoint(remote)
    assert found.url == "https://h.example/acme/<token>/<region>/<unknown>/mcp"
    assert found.transport == "sse"


def test_a_remote_without_a_type_is_streamable_http() -> None:
    assert endpoint({"url": "https://h.example/mcp"}).transport == "streamable-http"


def test_a_remote_label_shows_the_filled_url_or_the_stored_one_when_refused() -> None:
    remote = {"type": "sse", "url": "https://h.example/{t}", "variables": {"t": {"default": "a"}}}
    assert only(remote=remote).label == "remote · https://h.example/a"
    refused = only(remote={"type": "sse", "url": "ftp://h.example/{t}"})
    assert refused.label == "remote · ftp://h.example/{t}"
    assert refused.note == "No snippet: the URL 'ftp://h.example/<t>' is not an http(s) URL."


def test_a_remote_without_a_url_is_refused_with_an_empty_url() -> None:
    option = only(remote={"type": "sse"})
    assert option.label == "remote · "
    assert option.note == "No snippet: the URL '' is not an http(s) URL."


@pytest.mark.parametrize(
    "url",
    ["http://h.example/mcp", "https://h.example", "HTTPS://h.example/mcp"],
)
def test_http_and_https_urls_with_a_host_are_remotes(url: str) -> None:
    assert endpoint({"type": "sse", "url": url}).url == url


@pytest.mark.parametrize(
    "url", ["https://", "https:///path", "https://[::1/x", "https://h.example/\tx", "h.example/mcp"]
)
def test_urls_without_a_host_or_that_do_not_parse_are_refused(url: str) -> None:
    option = only(remote={"type": "sse", "url": url})
    assert option.snippets == []
    assert option.note == f"No snippet: the URL {url!r} is not an http(s) URL."


def test_a_remote_holding_a_nul_in_a_header_gets_a_reason_instead_of_snippets() -> None:
    remote = {"type": "sse", "url": "https://h.example/mcp", "headers": [{"name": "X-A", "value": "a\udc00"}]}
    option = only(remote=remote)
    assert option.snippets == []
    assert option.note == (
        "No snippet: this entry holds a NUL character or an unpaired surrogate, which no command line, environment "
        "or config file can carry."
    )


def test_header_values_come_from_their_template_value_or_a_placeholder_named_after_the_header() -> None:
    headers = [
        {"name": "Authorization", "value": "Bearer {api_key}", "isSecret": True, "description": "The key."},
        {"name": "X-Plain", "value": "plain"},
        {"name": "X-Secret", "value": "s3cret", "isSecret": True},
        {"name": "X-Blank"},
        {"name": "X-Empty", "value": ""},
        {"name": "x.y-1", "isSecret": True},
        {"name": "---", "isSecret": True},
        {"name": "9lives", "isSecret": True},
    ]
    found = endpoint({"type": "sse", "url": "https://h.example/mcp", "headers": headers})
    assert found.headers == [
        EnvVar("Authorization", "Bearer <api_key>", True, "The key."),
        EnvVar("X-Plain", "plain"),
        EnvVar("X-Secret", "<X_SECRET>", True),
        EnvVar("X-Blank", "<X_BLANK>"),
        EnvVar("X-Empty", "<X_EMPTY>"),
        EnvVar("x.y-1", "<X_Y_1>", True),
        EnvVar("---", "<HEADER>", True),
        EnvVar("9lives", "<HEADER_9LIVES>", True),
    ]


@pytest.mark.parametrize(("value", "kept"), [("a\tb", True), ("a\x08b", False), ("a\x7fb", False), ("a\nb", False)])
def test_a_header_value_may_hold_a_tab_but_no_other_control_character(value: str, kept: bool) -> None:
    option = only(remote={"type": "sse", "url": "https://h.example/mcp", "headers": [{"name": "X-A", "value": value}]})
    assert option.endpoint is not None
    assert option.endpoint.headers == ([EnvVar("X-A", value)] if kept else [])
    expected = [] if kept else ["Left out the header X-A: its value holds a line break or control character."]
    assert option.warnings == expected


@pytest.mark.parametrize(("name", "shown"), [(None, "'None'"), ("X A", "'X A'"), ("X:A", "'X:A'"), ("", "''")])
def test_a_header_name_that_is_not_a_token_is_left_out_with_a_warning_naming_it(name: object, shown: str) -> None:
    option = only(remote={"type": "sse", "url": "https://h.example/mcp", "headers": [{"name": name, "value": "v"}]})
    assert option.warnings == [
        f"Left out the header {shown}: a header name is a token (RFC 9110), with no space, colon or control character."
    ]


def test_a_package_serving_http_gets_its_command_line_then_every_client_connecting_to_it() -> None:
    package = npm(transport={"type": "streamable-http", "url": "http://127.0.0.1:{port}/mcp"})
    option = only(package)
    assert option.label == "npm · pkg"
    assert option.note == "Start it with the command line below; clients then connect to http://127.0.0.1:<port>/mcp."
    assert [snippet.client for snippet in option.snippets] == [
        "Command line", "Claude Desktop", "Cursor", "VS Code", "Claude Code", "Codex", "Command line",
    ]  # fmt: skip
    assert parse(option.snippets[0]) == ["npx", "-y", "pkg@1.0.0"]
    assert option.endpoint == Endpoint("streamable-http", "http://127.0.0.1:<port>/mcp")
    assert option.launch == Launch("npx", ["-y", "pkg@1.0.0"])


def test_a_package_serving_http_names_the_headers_it_left_out_and_sends_the_others() -> None:
    headers = [{"name": "X Y", "value": "1"}, {"name": "X-A", "value": "a"}]
    option = only(npm(transport={"type": "sse", "url": "http://127.0.0.1:8080/sse", "headers": headers}))
    assert option.warnings == [
        "Left out the header 'X Y': a header name is a token (RFC 9110), with no space, colon or control character."
    ]
    assert option.endpoint == Endpoint("sse", "http://127.0.0.1:8080/sse", [EnvVar("X-A", "a")])


@pytest.mark.parametrize("transport", [{"type": "streamable-http"}, {"type": "websocket", "url": "https://h/x"}, "sse"])
def test_a_package_without_an_http_transport_and_url_is_a_stdio_server(transport: object) -> None:
    option = only(npm(transport=transport))
    assert option.endpoint is None
    assert option.note is None
    assert option.snippets[0].client == "Claude Desktop"


# --- refusals and notes -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("identifier", ["", "-pkg", "a b", "a\tb", "a\x7fb", None, 3])
def test_an_identifier_that_is_not_one_word_is_refused_with_the_reason(identifier: object) -> None:
    option = only(npm(identifier=identifier))
    shown = repr(identifier if isinstance(identifier, str) else "")
    assert option.label == f"npm · {identifier}"
    assert option.note == (
        f"No snippet: the identifier {shown} is not a package name (it is empty, starts with '-' or holds a space or "
        "control character)."
    )
    assert option.snippets == []
    assert option.launch is None


def test_a_package_without_an_identifier_is_refused_under_an_empty_label() -> None:
    option = only({"registryType": "npm", "version": "1.0.0"})
    assert option.label == "npm · "
    assert option.note is not None
    assert option.note.startswith("No snippet: the identifier '' is not a package name")


def test_a_refused_package_or_remote_still_names_what_was_left_out() -> None:
    package = npm(registryBaseUrl="file:///etc", environmentVariables=[{"name": "A B", "value": "x"}])
    assert only(package).warnings == [
        "Left out the environment variable 'A B': a name must match [A-Za-z_][A-Za-z0-9_]*, so no client could set it."
    ]
    headers = [{"name": "X Y", "value": "1"}, {"name": "X-A", "value": "a\udc00"}]
    refused = only(remote={"type": "sse", "url": "https://h.example/mcp", "headers": headers})
    assert refused.note is not None
    assert refused.note.startswith("No snippet: this entry holds a NUL character")
    assert refused.warnings == [
        "Left out the header 'X Y': a header name is a token (RFC 9110), with no space, colon or control character."
    ]


def test_a_registry_base_url_that_is_not_http_is_refused_with_the_reason() -> None:
    option = only(npm(registryBaseUrl="file:///etc"))
    assert option.note == "No snippet: registryBaseUrl 'file:///etc' is not an http(s) URL."


def test_a_long_value_in_a_reason_is_cut_to_sixty_characters() -> None:
    fits = "a" * 57  # its repr, quotes included, is 59 characters
    assert only(npm(registryBaseUrl=fits)).note == f"No snippet: registryBaseUrl '{fits}' is not an http(s) URL."
    exactly = "a" * 58
    assert only(npm(registryBaseUrl=exactly)).note == f"No snippet: registryBaseUrl '{exactly}' is not an http(s) URL."
    longer = "a" * 59
    assert only(npm(registryBaseUrl=longer)).note == f"No snippet: registryBaseUrl '{'a' * 58}… is not an http(s) URL."


def test_a_package_of_an_unknown_registry_gets_a_note_naming_it() -> None:
    option = only({"registryType": "cargo", "identifier": "x"})
    assert option == InstallOption(label="cargo · x", note="No install recipe for 'cargo' packages yet.")
    assert only({"identifier": "x"}).note == "No install recipe for '' packages yet."


def test_an_mcpb_bundle_is_a_download_only_from_an_https_url() -> None:
    url = "https://github.com/acme/notes/releases/download/v1/notes.mcpb"
    option = only({"registryType": "mcpb", "identifier": url, "fileSha256": "ab" * 32})
    assert option == InstallOption(
        label="mcpb · notes.mcpb",
        download_url=url,
        sha256="ab" * 32,
        note="Download the bundle and open it with Claude Desktop (or any MCPB-aware client).",
    )
    plain = only({"registryType": "mcpb", "identifier": "http://h.example/b/notes.mcpb", "fileSha256": ""})
    assert plain.download_url is None
    assert plain.sha256 is None
    assert plain.label == "mcpb · notes.mcpb"


def test_an_option_of_exactly_the_size_limit_is_shown_and_one_character_more_points_to_the_json(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shown = only(npm())
    size = sum(len(snippet.text) for snippet in shown.snippets) + sum(len(link.url) for link in shown.links)
    monkeypatch.setattr(snippets_module, "MAX_OPTION_CHARS", size)
    assert only(npm()) == shown
    monkeypatch.setattr(snippets_module, "MAX_OPTION_CHARS", size - 1)
    refused = only(npm(environmentVariables=[{"name": "A B", "value": "x"}]))
    assert refused.label == "npm · pkg"
    assert refused.snippets == []
    assert refused.links == []
    assert refused.launch is None
    assert refused.note == (
        f"Too large to show here ({size:,} characters of snippets, more than {size - 1:,}): "
        "read the package in the entry's JSON."
    )
    assert refused.warnings == [
        "Left out the environment variable 'A B': a name must match [A-Za-z_][A-Za-z0-9_]*, so no client could set it."
    ]


# --- each client's text -----------------------------------------------------------------------------------------------


def test_each_snippet_says_where_it_goes_and_what_it_parses_as() -> None:
    stdio = only(npm())
    assert [(s.client, s.where, s.language, s.slug) for s in stdio.snippets] == [
        ("Claude Desktop", "claude_desktop_config.json", "json", "claude-desktop"),
        ("Cursor", "~/.cursor/mcp.json or .cursor/mcp.json", "json", "cursor"),
        ("VS Code", ".vscode/mcp.json", "json", "vs-code"),
        ("Claude Code", "a terminal", "shell", "claude-code"),
        ("Codex", "~/.codex/config.toml", "toml", "codex"),
        ("Command line", "a terminal", "shell", "command-line"),
    ]
    remote = only(remote={"type": "sse", "url": "https://h.example/mcp"})
    assert [(s.client, s.where, s.language) for s in remote.snippets] == [
        ("Claude Desktop", "claude_desktop_config.json (bridged by mcp-remote)", "json"),
        ("Cursor", "~/.cursor/mcp.json or .cursor/mcp.json", "json"),
        ("VS Code", ".vscode/mcp.json", "json"),
        ("Claude Code", "a terminal", "shell"),
        ("Codex", "~/.codex/config.toml", "toml"),
        ("Command line", "a terminal", "shell"),
    ]
    assert [link.client for link in remote.links] == ["Cursor", "VS Code"]


def test_a_slug_is_the_client_name_in_lowercase_words_joined_by_dashes() -> None:
    assert Snippet(" Some--Client 2.0! ", "", "json", "").slug == "some-client-2-0"


def test_json_snippets_keep_unicode_and_indent_by_two() -> None:
    option = only(npm(environmentVariables=[{"name": "GREETING", "value": "zápisky"}]))
    assert '    "notes": {\n      "command": "npx",' in option.snippets[0].text
    assert '"GREETING": "zápisky"' in option.snippets[0].text


def test_a_command_line_without_variables_is_the_bare_command() -> None:
    assert only(npm()).snippets[-1].text == "npx -y pkg@1.0.0"
    with_env = only(npm(environmentVariables=[{"name": "A", "value": "1 2"}]))
    assert with_env.snippets[-1].text == "env 'A=1 2' npx -y pkg@1.0.0"


def test_vscode_asks_for_each_secret_with_its_description() -> None:
    variables = [{"name": "TOKEN", "isSecret": True, "description": "The API token."}, {"name": "PLAIN", "value": "p"}]
    vscode = parse(only(npm(environmentVariables=variables)).snippets[2])
    assert vscode["inputs"] == [
        {"type": "promptString", "id": "TOKEN", "description": "The API token.", "password": True}
    ]
    assert vscode["servers"]["notes"]["env"] == {"TOKEN": "${input:TOKEN}", "PLAIN": "p"}
    assert "inputs" not in parse(only(npm(environmentVariables=[{"name": "PLAIN", "value": "p"}])).snippets[2])


def test_codex_reads_plain_headers_inline_and_secret_ones_from_the_environment() -> None:
    headers = [
        {"name": "X-Plain", "value": "p"},
        {"name": "X-Key", "isSecret": True},
        {"name": "x_key", "isSecret": True},
    ]
    option = only(remote={"type": "sse", "url": "https://h.example/mcp", "headers": headers})
    codex = option.snippets[4].text
    assert codex == (
        "# export X_KEY=<X_KEY> before starting Codex\n\n"
        "[mcp_servers.notes]\n"
        'url = "https://h.example/mcp"\n'
        'http_headers = {X-Plain = "p"}\n'
        'env_http_headers = {X-Key = "X_KEY", x_key = "X_KEY"}'
    )


def test_codex_stdio_forwards_secrets_and_sets_nothing_when_there_are_no_variables() -> None:
    assert only(npm()).snippets[4].text == '[mcp_servers.notes]\ncommand = "npx"\nargs = ["-y", "pkg@1.0.0"]'
    secret = only(npm(environmentVariables=[{"name": "TOKEN", "isSecret": True}])).snippets[4].text
    assert secret == (
        "# export TOKEN=<TOKEN> before starting Codex\n\n"
        "[mcp_servers.notes]\n"
        'command = "npx"\n'
        'args = ["-y", "pkg@1.0.0"]\n'
        'env_vars = ["TOKEN"]'
    )


def test_claude_desktop_bridges_remotes_through_mcp_remote_with_sse_named() -> None:
    headers = [{"name": "X-A", "value": "1"}]
    sse = only(remote={"type": "sse", "url": "https://h.example/sse", "headers": headers})
    assert parse(sse.snippets[0])["mcpServers"]["notes"] == {
        "command": "npx",
        "args": ["-y", "mcp-remote", "https://h.example/sse", "--transport", "sse-only", "--header", "X-A: 1"],
    }
    assert parse(sse.snippets[-1]) == [
        "npx", "-y", "mcp-remote", "https://h.example/sse", "--transport", "sse-only", "--header", "X-A: 1",
    ]  # fmt: skip
    assert parse(sse.snippets[3]) == [
        "claude", "mcp", "add", "--header", "X-A: 1", "--transport", "sse", "notes", "https://h.example/sse",
    ]  # fmt: skip
    http = only(remote={"type": "streamable-http", "url": "https://h.example/mcp"})
    assert parse(http.snippets[0])["mcpServers"]["notes"]["args"] == ["-y", "mcp-remote", "https://h.example/mcp"]
    assert parse(http.snippets[1])["mcpServers"]["notes"] == {"url": "https://h.example/mcp"}
    assert parse(http.snippets[2])["servers"]["notes"] == {"type": "http", "url": "https://h.example/mcp"}


def test_one_click_links_carry_compact_json_fully_percent_encoded() -> None:
    option = only(npm(identifier="@acme/pkg", environmentVariables=[{"name": "T", "isSecret": True}]))
    cursor, vscode = option.links
    inner = '{"command":"npx","args":["-y","@acme/pkg@1.0.0"],"env":{"T":"<T>"}}'
    config = quote_plus(base64.b64encode(inner.encode()).decode())
    assert cursor == DeepLink("Cursor", f"cursor://anysphere.cursor-deeplink/mcp/install?name=notes&config={config}")
    document = (
        '{"name":"notes","type":"stdio","command":"npx","args":["-y","@acme/pkg@1.0.0"],"env":{"T":"${input:T}"},'
        '"inputs":[{"type":"promptString","id":"T","description":"T","password":true}]}'
    )
    assert vscode == DeepLink("VS Code", "vscode:mcp/install?" + quote(document, safe=""))
    assert "%22%40acme%2Fpkg%401.0.0%22" in vscode.url


# --- the entry's shape ------------------------------------------------------------------------------------------------


def test_packages_and_remotes_that_are_not_lists_of_objects_give_no_options() -> None:
    server = {"name": "a/b", "packages": {"registryType": "npm"}, "remotes": ["https://h.example/mcp", 3]}
    assert install_options(server) == []
    assert install_option_count(server) == 0
    assert install_option_count({"packages": [npm(), "x"], "remotes": [{"url": "https://h.example/"}]}) == 2


def test_without_a_limit_every_option_is_rendered() -> None:
    server = {"name": "a/b", "packages": [npm(identifier=f"p{index}") for index in range(3)]}
    assert [option.label for option in install_options(server)] == ["npm · p0", "npm · p1", "npm · p2"]
    assert [option.label for option in install_options(server, limit=0)] == []


def test_a_server_without_a_name_is_keyed_server() -> None:
    [option] = install_options({"packages": [npm()]})
    assert "server" in parse(option.snippets[0])["mcpServers"]


def test_the_server_key_is_the_last_name_segment_keeping_case_and_inner_dashes() -> None:
    assert server_key("io.github.acme/Notes") == "Notes"
    assert server_key("io.github.acme/X-Ray") == "X-Ray"
    assert server_key("a/b/c") == "c"
    assert server_key("acme/-Xnotes-") == "Xnotes"
