"""Install snippets: every client's text parses in its own format, pins the version and never holds a secret."""

from __future__ import annotations

import base64
import json
import shlex
import tomllib
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from mcpship.registry.web.snippets import InstallOption, Snippet, install_options, server_key

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


def parse(snippet: Snippet) -> Any:
    if snippet.language == "json":
        return json.loads(snippet.text)
    if snippet.language == "toml":
        return tomllib.loads(snippet.text)
    assert snippet.language == "shell"
    return shlex.split(snippet.text)


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
        "NOTES_TOKEN=<NOTES_TOKEN>", "docker", "run", "-i", "--rm", "-e", "NOTES_TOKEN", "ghcr.io/acme/notes-mcp:1.4.0",
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
