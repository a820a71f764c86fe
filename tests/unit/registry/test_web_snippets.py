"""Install snippets: every client's text parses in its own format, pins the version and never holds a secret."""

from __future__ import annotations

import base64
import json
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from mcpship.registry.web.snippets import (
    MAX_OPTION_CHARS,
    InstallOption,
    Snippet,
    install_option_count,
    install_options,
    server_key,
)
from tests.registry_support.snippets import parse

CLIENTS = ["Claude Desktop", "Cursor", "VS Code", "Claude Code", "Codex", "Command line"]

NOTES: dict[str, Any] = {
    "name": "io.github.acme/notes",
    "version": "1.4.0",
    "description": "Take notes.",
    "packages": [
        {
            "registryType": "npm",
            "identifier": "@acme/notes-mcp",
            "version": "1.4.0",
            "transport": {"type": "stdio"},
            "packageArguments": [
                {"type": "positional", "value": "serve"},
                {"type": "named", "name": "--dir", "valueHint": "notes_dir", "isRequired": True},
                {"type": "named", "name": "--optional", "valueHint": "skipped"},
                {"type": "named", "name": "--key", "valueHint": "api_key", "isSecret": True, "default": "do-not-leak"},
            ],
            "environmentVariables": [
                {"name": "NOTES_TOKEN", "isRequired": True, "isSecret": True, "default": "do-not-leak"},
                {"name": "NOTES_DIR", "default": "~/notes", "description": "Where notes are kept"},
                {"name": "NOTES_UNUSED", "description": "optional and blank: left out"},
            ],
        },
        {
            "registryType": "pypi",
            "identifier": "notes-mcp",
            "version": "1.4.0",
            "transport": {"type": "stdio"},
            "environmentVariables": [{"name": "NOTES_TOKEN", "isRequired": True, "isSecret": True}],
        },
        {
            "registryType": "oci",
            "identifier": "ghcr.io/acme/notes-mcp",
            "version": "1.4.0",
            "transport": {"type": "stdio"},
            "environmentVariables": [{"name": "NOTES_TOKEN", "isRequired": True, "isSecret": True}],
        },
        {
            "registryType": "mcpb",
            "identifier": "https://github.com/acme/notes-mcp/releases/download/v1.4.0/notes.mcpb",
            "fileSha256": "a" * 64,
            "transport": {"type": "stdio"},
        },
    ],
    "remotes": [
        {
            "type": "streamable-http",
            "url": "https://notes.example.com/{tenant}/mcp",
            "variables": {"tenant": {"default": "acme"}},
            "headers": [{"name": "Authorization", "value": "Bearer {notes_api_key}", "isSecret": True}],
        },
        {"type": "sse", "url": "https://notes.example.com/sse", "headers": [{"name": "X-Api-Key", "isSecret": True}]},
    ],
}


def options() -> list[InstallOption]:
    return install_options(NOTES)


def snippets(option: InstallOption) -> dict[str, Snippet]:
    return {snippet.client: snippet for snippet in option.snippets}


def test_every_package_and_remote_becomes_one_option_in_publisher_order() -> None:
    labels = [option.label for option in options()]
    assert labels == [
        "npm · @acme/notes-mcp",
        "pypi · notes-mcp",
        "oci · ghcr.io/acme/notes-mcp",
        "mcpb · notes.mcpb",
        "remote · https://notes.example.com/acme/mcp",
        "remote · https://notes.example.com/sse",
    ]


@pytest.mark.parametrize("index", [0, 1, 2, 4, 5])
def test_each_option_has_a_snippet_for_every_client_that_parses_in_its_format(index: int) -> None:
    option = options()[index]
    assert [snippet.client for snippet in option.snippets] == CLIENTS
    for snippet in option.snippets:
        assert parse(snippet), snippet.client


def test_secrets_are_placeholders_and_never_the_published_default() -> None:
    for option in options():
        for snippet in option.snippets:
            assert "do-not-leak" not in snippet.text, snippet.client


def test_npm_runs_through_npx_pinned_with_fixed_and_required_arguments() -> None:
    claude = parse(snippets(options()[0])["Claude Desktop"])
    entry = claude["mcpServers"]["notes"]
    assert entry["command"] == "npx"
    assert entry["args"] == ["-y", "@acme/notes-mcp@1.4.0", "serve", "--dir", "<notes_dir>", "--key", "<api_key>"]
    assert entry["env"] == {"NOTES_TOKEN": "<NOTES_TOKEN>", "NOTES_DIR": "~/notes"}


def test_cursor_uses_mcp_servers_and_vscode_uses_servers_with_type_and_password_inputs() -> None:
    by_client = snippets(options()[0])
    assert set(parse(by_client["Cursor"])["mcpServers"]) == {"notes"}
    vscode = parse(by_client["VS Code"])
    entry = vscode["servers"]["notes"]
    assert entry["type"] == "stdio"
    assert entry["env"] == {"NOTES_TOKEN": "${input:NOTES_TOKEN}", "NOTES_DIR": "~/notes"}
    assert vscode["inputs"] == [
        {"type": "promptString", "id": "NOTES_TOKEN", "description": "NOTES_TOKEN", "password": True}
    ]


def test_claude_code_command_separates_its_options_from_the_server_command() -> None:
    words = parse(snippets(options()[1])["Claude Code"])
    assert words == [
        "claude", "mcp", "add", "--env", "NOTES_TOKEN=<NOTES_TOKEN>", "--transport", "stdio", "notes",
        "--", "uvx", "notes-mcp==1.4.0",
    ]  # fmt: skip


def test_codex_forwards_secrets_by_name_and_keeps_plain_values_inline() -> None:
    codex = parse(snippets(options()[0])["Codex"])["mcp_servers"]["notes"]
    assert codex["command"] == "npx"
    assert codex["env"] == {"NOTES_DIR": "~/notes"}
    assert codex["env_vars"] == ["NOTES_TOKEN"]
    assert "# export NOTES_TOKEN=<NOTES_TOKEN>" in snippets(options()[0])["Codex"].text


def test_docker_passes_each_variable_through_and_pins_the_image_tag() -> None:
    words = parse(snippets(options()[2])["Command line"])
    assert words == [
        "env", "NOTES_TOKEN=<NOTES_TOKEN>",
        "docker", "run", "-i", "--rm", "-e", "NOTES_TOKEN", "ghcr.io/acme/notes-mcp:1.4.0",
    ]  # fmt: skip


def test_mcpb_offers_the_download_and_its_digest_instead_of_a_command() -> None:
    option = options()[3]
    assert option.snippets == []
    assert option.download_url == NOTES["packages"][3]["identifier"]
    assert option.sha256 == "a" * 64


def test_remote_configs_use_each_clients_url_spelling_with_placeholder_headers() -> None:
    by_client = snippets(options()[4])
    url = "https://notes.example.com/acme/mcp"
    header = {"Authorization": "Bearer <notes_api_key>"}
    assert parse(by_client["Cursor"])["mcpServers"]["notes"] == {"url": url, "headers": header}
    assert parse(by_client["VS Code"])["servers"]["notes"] == {"type": "http", "url": url, "headers": header}
    desktop = parse(by_client["Claude Desktop"])["mcpServers"]["notes"]
    assert desktop == {
        "command": "npx",
        "args": ["-y", "mcp-remote", url, "--header", "Authorization: Bearer <notes_api_key>"],
    }
    assert parse(by_client["Claude Code"])[-3:] == ["http", "notes", url]
    codex = parse(by_client["Codex"])["mcp_servers"]["notes"]
    assert codex == {"url": url, "env_http_headers": {"Authorization": "AUTHORIZATION"}}


def test_sse_remotes_keep_their_transport_in_every_client() -> None:
    by_client = snippets(options()[5])
    assert parse(by_client["VS Code"])["servers"]["notes"]["type"] == "sse"
    assert parse(by_client["Claude Code"])[-3] == "sse"
    assert parse(by_client["Cursor"])["mcpServers"]["notes"]["headers"] == {"X-Api-Key": "<X_API_KEY>"}


def test_packages_of_unknown_registries_get_a_note_not_a_wrong_command() -> None:
    [option] = install_options({"name": "a/b", "packages": [{"registryType": "cargo", "identifier": "x"}]})
    assert option.snippets == []
    assert option.note is not None
    assert "cargo" in option.note


def test_server_key_is_the_name_part_restricted_to_portable_characters() -> None:
    assert server_key("io.github.acme/notes") == "notes"
    assert server_key("io.github.acme/my.server v2") == "my-server-v2"
    assert server_key("///") == "server"


def test_one_click_links_carry_exactly_the_cursor_and_vscode_snippets() -> None:
    option = options()[0]
    cursor, vscode = option.links
    assert cursor.url.startswith("cursor://anysphere.cursor-deeplink/mcp/install?")
    query = parse_qs(urlsplit(cursor.url).query)
    assert query["name"] == ["notes"]
    assert json.loads(base64.b64decode(query["config"][0])) == parse(snippets(option)["Cursor"])["mcpServers"]["notes"]
    assert vscode.url.startswith("vscode:mcp/install?")
    config = json.loads(unquote(vscode.url.split("?", 1)[1]))
    vscode_snippet = parse(snippets(option)["VS Code"])
    assert config == {"name": "notes", **vscode_snippet["servers"]["notes"], "inputs": vscode_snippet["inputs"]}
    assert "do-not-leak" not in cursor.url + vscode.url


def test_self_hosted_package_indexes_are_named_in_the_command() -> None:
    packages = [
        {"registryType": "npm", "identifier": "n", "version": "1.0.0", "registryBaseUrl": "http://127.0.0.1:4873/"},
        {"registryType": "pypi", "identifier": "p", "version": "1.0.0", "registryBaseUrl": "http://127.0.0.1:8081"},
        {"registryType": "pypi", "identifier": "q", "version": "1.0.0", "registryBaseUrl": "https://pypi.org"},
    ]
    npm, pypi, default = (
        snippets(option)["Command line"].text for option in install_options({"name": "a/b", "packages": packages})
    )
    assert npm == "npx -y --registry http://127.0.0.1:4873 n@1.0.0"
    assert pypi == "uvx --default-index http://127.0.0.1:8081/simple/ p==1.0.0"
    assert default == "uvx q==1.0.0"


# --- hostile entries: each attack on the catalogue's snippets, tried for real ---------------------------------------

INJECTED_NAME = "API_KEY=x; touch ~/pwned; FOO"
NEWLINE_NAME = "X\ntouch ~/pwned\nY"
FAKE_COMMAND = '#!/bin/sh\nprintf "%s\\0" "$(basename "$0")" "$@" > "$OUT/argv"\nenv -0 > "$OUT/env"\n'


def hostile_package(*names: str, **fields: Any) -> dict[str, Any]:
    variables = [{"name": name, "value": "a"} for name in names]
    variables.append({"name": "GOOD", "value": "$(touch ~/pwned) `touch ~/pwned` ' \" \n;"})
    return {"registryType": "npm", "identifier": "pkg", "version": "1.0.0", "environmentVariables": variables, **fields}


def run_in_shell(shell: str, text: str, tmp_path: Path) -> tuple[list[str], dict[str, str]]:
    """Run a snippet as a user's shell would, with stand-ins for npx/claude that record their argv and environment.

    ``HOME`` is a fresh folder: an injected ``touch ~/pwned`` would leave a file there.
    """
    bin_dir, out, home = tmp_path / "bin", tmp_path / "out", tmp_path / "home"
    for folder in (bin_dir, out, home):
        folder.mkdir(exist_ok=True)
    for command in ("npx", "uvx", "docker", "claude"):
        fake = bin_dir / command
        fake.write_text(FAKE_COMMAND, encoding="utf-8")
        fake.chmod(0o755)
    environment = {"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(home), "OUT": str(out)}
    result = subprocess.run([shell, "-c", text], env=environment, capture_output=True, timeout=30, check=False)
    assert result.returncode == 0, result.stderr
    assert list(home.iterdir()) == [], "the snippet ran an injected command"
    argv = (out / "argv").read_bytes().decode().split("\0")[:-1]
    variables = dict(item.split("=", 1) for item in (out / "env").read_bytes().decode().split("\0")[:-1])
    return argv, variables


@pytest.mark.parametrize("shell", [shell for shell in ("/bin/sh", "/bin/bash") if Path(shell).exists()])
@pytest.mark.parametrize("name", [INJECTED_NAME, NEWLINE_NAME])
def test_an_env_var_name_carrying_shell_commands_runs_nothing_and_is_left_out_with_a_warning(
    shell: str, name: str, tmp_path: Path
) -> None:
    [option] = install_options({"name": "a/b", "packages": [hostile_package(name)]})
    assert option.warnings == [
        f"Left out the environment variable {name!r}: a name must match [A-Za-z_][A-Za-z0-9_]*, so no client could "
        "set it."
    ]
    good = "$(touch ~/pwned) `touch ~/pwned` ' \" \n;"
    by_client = snippets(option)
    argv, variables = run_in_shell(shell, by_client["Command line"].text, tmp_path)
    assert argv == ["npx", "-y", "pkg@1.0.0"]
    assert variables["GOOD"] == good
    assert not any(key.startswith(("API_KEY", "FOO", "X", "Y")) for key in variables)
    claude, _ = run_in_shell(shell, by_client["Claude Code"].text, tmp_path)
    assert claude == ["claude", "mcp", "add", "--env", f"GOOD={good}", "--transport", "stdio", "b", "--", "npx", "-y",
                      "pkg@1.0.0"]  # fmt: skip
    for client in ("Claude Desktop", "Cursor", "VS Code"):
        assert set(next(iter(parse(by_client[client]).values()))["b"]["env"]) == {"GOOD"}, client
    assert parse(by_client["Codex"])["mcp_servers"]["b"]["env"] == {"GOOD": good}
    cursor_link = parse_qs(urlsplit(option.links[0].url).query)["config"][0]
    assert set(json.loads(base64.b64decode(cursor_link))["env"]) == {"GOOD"}


def test_header_names_and_values_that_would_split_into_more_headers_are_left_out() -> None:
    remote = {
        "type": "streamable-http",
        "url": "https://h.example/mcp",
        "headers": [
            {"name": "X-Key: a\r\nX-Evil", "value": "1"},
            {"name": "X-Ok", "value": "fine\r\nX-Evil: 1"},
            {"name": "X-Api-Key", "isSecret": True},
            {"name": "x-api-key", "value": "second"},
            {"name": "1-Token", "isSecret": True},
        ],
    }
    [option] = install_options({"name": "a/b", "remotes": [remote]})
    assert option.warnings == [
        "Left out the header 'X-Key: a\\r\\nX-Evil': a header name is a token (RFC 9110), with no space, colon or "
        "control character.",
        "Left out the header X-Ok: its value holds a line break or control character.",
        "The header x-api-key is listed twice: the first one is used.",
    ]
    by_client = snippets(option)
    assert parse(by_client["Cursor"])["mcpServers"]["b"]["headers"] == {
        "X-Api-Key": "<X_API_KEY>",
        "1-Token": "<HEADER_1_TOKEN>",
    }
    assert [word for word in parse(by_client["Claude Code"]) if "Evil" in word] == []
    codex = parse(by_client["Codex"])["mcp_servers"]["b"]
    assert codex["env_http_headers"] == {"X-Api-Key": "X_API_KEY", "1-Token": "HEADER_1_TOKEN"}


@pytest.mark.parametrize(
    ("package", "reason"),
    [
        ({"identifier": "--call=touch ~/pwned"}, "No snippet: the identifier '--call=touch ~/pwned' is not a package"),
        ({"identifier": "pkg\nrm"}, "No snippet: the identifier 'pkg\\nrm' is not a package name"),
        ({"registryBaseUrl": "-c=touch ~/pwned"}, "No snippet: registryBaseUrl '-c=touch ~/pwned' is not an http(s)"),
        ({"version": "1\x00"}, "No snippet: this entry holds a NUL character or an unpaired surrogate"),
        ({"packageArguments": [{"type": "positional", "value": "\ud800"}]}, "No snippet: this entry holds a NUL"),
        ({"transport": {"type": "sse", "url": "--help"}}, "No snippet: the URL '--help' is not an http(s) URL."),
    ],
)
def test_a_package_no_command_can_carry_safely_gets_a_reason_instead_of_snippets(
    package: dict[str, Any], reason: str
) -> None:
    base = {"registryType": "npm", "identifier": "pkg", "version": "1.0.0"}
    [option] = install_options({"name": "a/b", "packages": [{**base, **package}]})
    assert option.snippets == []
    assert option.links == []
    assert option.note is not None
    assert option.note.startswith(reason)


@pytest.mark.parametrize("url", ["javascript:alert(1)", "https://h.example/a\nb", "file:///etc/passwd", "-x"])
def test_remotes_must_be_http_urls(url: str) -> None:
    [option] = install_options({"name": "a/b", "remotes": [{"type": "streamable-http", "url": url}]})
    assert option.snippets == []
    assert option.links == []
    assert option.note == f"No snippet: the URL {url!r} is not an http(s) URL."


def test_an_oversized_option_points_to_the_json_instead_of_rendering() -> None:
    arguments = [{"type": "positional", "value": "x" * 100}] * (MAX_OPTION_CHARS // 100)
    package = {"registryType": "pypi", "identifier": "p", "version": "1", "packageArguments": arguments}
    [option] = install_options({"name": "a/b", "packages": [package]})
    assert option.snippets == []
    assert option.note is not None
    assert option.note.startswith("Too large to show here")


def test_install_options_renders_only_up_to_the_limit_but_counts_all() -> None:
    packages = [{"registryType": "npm", "identifier": f"p{index}", "version": "1"} for index in range(1000)]
    server = {"name": "a/b", "packages": packages, "remotes": [{"type": "sse", "url": "https://h.example/sse"}]}
    assert [option.label for option in install_options(server, limit=3)] == ["npm · p0", "npm · p1", "npm · p2"]
    assert install_option_count(server) == 1001
