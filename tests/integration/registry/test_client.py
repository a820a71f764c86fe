"""The registry client side against a real ``mcpship registry serve``, through the installed ``mcpship`` script:
login → publish → search, and the refusals a publisher meets (namespace, schema, duplicate, expired token)."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from tests.conftest import Result, assert_clean_error, free_port, json_result, mcpship_executable
from tests.integration.registry.conftest import ADMIN_SECRET, RegistryServer

ANONYMOUS = "io.modelcontextprotocol.anonymous"
SCHEMA = "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json"


@pytest.fixture(scope="module")
def backend() -> str:
    """The client talks HTTP only; one store backend is enough here (the API tests cover both)."""
    return "sqlite"


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    return tmp_path / "config"


def cli(config_dir: Path, *args: str, stdin: str | None = None) -> Result:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200", "MCPSHIP_CONFIG_DIR": str(config_dir)}
    env.pop("MCPSHIP_REGISTRY", None)
    completed = subprocess.run(
        [mcpship_executable(), *args], input=stdin, capture_output=True, text=True, env=env, timeout=60, check=False
    )
    return Result(completed.returncode, completed.stdout, completed.stderr)


def server_json(folder: Path, name: str, version: str = "1.0.0", **extra: object) -> Path:
    document = {
        "$schema": SCHEMA,
        "name": name,
        "description": "Take and search notes from any MCP client.",
        "version": version,
        "packages": [
            {"registryType": "pypi", "identifier": "notes-mcp", "version": version, "transport": {"type": "stdio"}}
        ],
        **extra,
    }
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "server.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_login_none_publish_then_search_finds_the_server(
    registry: RegistryServer, config_dir: Path, tmp_path: Path
) -> None:
    name = f"{ANONYMOUS}/quillpad-notes"
    login = cli(config_dir, "login", "none", "--registry", registry.base_url, "--json")
    assert login.returncode == 0, login.stderr
    token_file = Path(json_result(login.stdout)["tokenFile"])
    assert token_file == config_dir / "registry-tokens.json"
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600

    published = cli(
        config_dir, "publish", str(tmp_path / "dist"), "--channel", "registry", "--registry", registry.base_url
    )
    assert published.returncode == 11  # nothing built yet: a clear error, not a traceback
    assert_clean_error(published, 11)

    dist = server_json(tmp_path / "dist", name).parent
    published = cli(config_dir, "publish", str(dist), "--channel", "registry", "--json")  # to the last login
    assert published.returncode == 0, published.stderr
    outcome = json_result(published.stdout)
    assert (outcome["channel"], outcome["name"], outcome["version"], outcome["isLatest"]) == (
        "registry",
        name,
        "1.0.0",
        True,
    )

    found = cli(config_dir, "search", "quillpad", "--registry", registry.base_url, "--json")
    assert found.returncode == 0, found.stderr
    result = json_result(found.stdout)
    assert result["ranked"] is True
    assert [entry["server"]["name"] for entry in result["servers"]] == [name]

    plain = cli(config_dir, "search", "quillpad", "--registry", registry.base_url)
    assert plain.stdout.splitlines() == [f"{name}\t1.0.0\tTake and search notes from any MCP client.\tpypi:notes-mcp"]


def test_search_without_a_registry_asks_the_one_logged_into_last_as_publish_does(
    registry: RegistryServer, config_dir: Path, tmp_path: Path
) -> None:
    name = f"{ANONYMOUS}/lastlogin-notes"
    assert cli(config_dir, "login", "none", "--registry", registry.base_url).returncode == 0
    assert cli(config_dir, "publish", str(server_json(tmp_path, name)), "--channel", "registry").returncode == 0

    found = cli(config_dir, "search", "lastlogin", "--json")

    assert found.returncode == 0, found.stderr
    result = json_result(found.stdout)
    assert result["registry"] == registry.base_url
    assert [entry["server"]["name"] for entry in result["servers"]] == [name]


def test_publishing_outside_the_tokens_namespace_is_a_clear_403(
    registry: RegistryServer, config_dir: Path, tmp_path: Path
) -> None:
    assert cli(config_dir, "login", "none", "--registry", registry.base_url).returncode == 0
    path = server_json(tmp_path, "io.github.someone-else/notes")

    result = cli(config_dir, "publish", str(path), "--channel", "registry", "--registry", registry.base_url)

    assert_clean_error(result, 11)
    assert "(403)" in result.stderr
    assert "io.github.someone-else/notes" in result.stderr
    assert f"hint: anonymous tokens only publish {ANONYMOUS}/*" in result.stderr


def test_an_invalid_server_json_lists_the_registrys_issues_with_file_and_path(
    registry: RegistryServer, config_dir: Path, tmp_path: Path
) -> None:
    assert cli(config_dir, "login", "none", "--registry", registry.base_url).returncode == 0
    path = server_json(tmp_path, f"{ANONYMOUS}/too-long", description="x" * 150)

    result = cli(config_dir, "publish", str(path), "--channel", "registry", "--registry", registry.base_url)

    assert_clean_error(result, 11)
    assert f"{path}: description: error:" in result.stderr
    assert "100" in result.stderr


def test_publishing_the_same_version_twice_says_versions_are_immutable(
    registry: RegistryServer, config_dir: Path, tmp_path: Path
) -> None:
    assert cli(config_dir, "login", "none", "--registry", registry.base_url).returncode == 0
    path = server_json(tmp_path, f"{ANONYMOUS}/twice")
    args = ("publish", str(path), "--channel", "registry", "--registry", registry.base_url)
    assert cli(config_dir, *args).returncode == 0

    again = cli(config_dir, *args)
    assert_clean_error(again, 11)
    assert "duplicate version" in again.stderr
    assert "hint: versions are immutable" in again.stderr


def test_an_expired_token_asks_to_log_in_again(registry: RegistryServer, config_dir: Path, tmp_path: Path) -> None:
    config_dir.mkdir()
    entry = {"token": registry.token(), "method": "admin", "expires_at": 1_000_000}
    (config_dir / "registry-tokens.json").write_text(json.dumps({registry.base_url: entry}), encoding="utf-8")
    path = server_json(tmp_path, f"{ANONYMOUS}/late")

    result = cli(config_dir, "publish", str(path), "--channel", "registry", "--registry", registry.base_url)

    assert_clean_error(result, 11)
    assert "expired" in result.stderr
    assert f"hint: log in again right before publishing: mcpship login admin --registry {registry.base_url}" in (
        result.stderr
    )


def test_admin_login_reads_the_secret_from_stdin_and_publishes_any_namespace(
    registry: RegistryServer, config_dir: Path, tmp_path: Path
) -> None:
    wrong = cli(config_dir, "login", "admin", "--registry", registry.base_url, "--token-stdin", stdin="nope\n")
    assert_clean_error(wrong, 12)
    assert "Token exchange failed" in wrong.stderr

    login = cli(config_dir, "login", "admin", "--registry", registry.base_url, "--token-stdin", stdin=ADMIN_SECRET)
    assert login.returncode == 0, login.stderr
    path = server_json(tmp_path, "com.example.admin/notes")
    result = cli(config_dir, "publish", str(path), "--channel", "registry", "--registry", registry.base_url)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"published com.example.admin/notes 1.0.0 to {registry.base_url}")


def test_logging_in_to_a_second_registry_keeps_the_first_token(
    registry: RegistryServer, config_dir: Path, tmp_path: Path
) -> None:
    other = "https://registry.example.invalid"
    config_dir.mkdir()
    kept = {"token": "kept", "method": "github", "expires_at": 4_000_000_000}
    (config_dir / "registry-tokens.json").write_text(json.dumps({other: kept}), encoding="utf-8")

    assert cli(config_dir, "login", "none", "--registry", registry.base_url + "/").returncode == 0

    tokens = json.loads((config_dir / "registry-tokens.json").read_text(encoding="utf-8"))
    assert tokens[other] == kept
    assert tokens[registry.base_url]["method"] == "none"
    logout = cli(config_dir, "logout", "--registry", registry.base_url)
    assert logout.returncode == 0, logout.stderr
    assert set(json.loads((config_dir / "registry-tokens.json").read_text(encoding="utf-8"))) == {other}


def test_a_login_method_the_registry_does_not_offer_is_named(config_dir: Path, tmp_path: Path) -> None:
    server = RegistryServer(f"sqlite:///{tmp_path / 'plain.db'}", tmp_path, ("--no-ownership-checks",))
    server.start()
    try:
        result = cli(config_dir, "login", "none", "--registry", server.base_url)
    finally:
        server.stop()
    assert_clean_error(result, 12)
    assert "does not offer the `none` login method" in result.stderr


def test_an_unreachable_registry_is_a_clean_error_with_the_registry_exit_code(config_dir: Path) -> None:
    result = cli(config_dir, "search", "notes", "--registry", f"http://127.0.0.1:{free_port()}")
    assert_clean_error(result, 12)  # a registry failure, not a refused publish (11)
    assert "could not reach the registry" in result.stderr


def test_a_refused_domain_login_shows_the_exact_record_to_publish(
    registry: RegistryServer, config_dir: Path, tmp_path: Path
) -> None:
    from mcpship.registry_client.proofs import load_signing_key, public_key_record

    key = tmp_path / "key.hex"
    key.write_text(os.urandom(32).hex(), encoding="ascii")
    record = public_key_record(load_signing_key(key))
    args = ("--domain", "example.invalid", "--private-key-file", str(key), "--registry", registry.base_url)

    dns = cli(config_dir, "login", "dns", *args)
    http = cli(config_dir, "login", "http", *args)

    assert_clean_error(dns, 12)
    assert "(401)" in dns.stderr
    assert f"hint: publish this TXT record on example.invalid: {record}" in dns.stderr
    assert_clean_error(http, 12)
    assert f"hint: serve this at https://example.invalid/.well-known/mcp-registry-auth: {record}" in http.stderr


def test_a_build_is_published_from_its_dist_folder_and_found_by_a_tool_name(
    registry: RegistryServer, config_dir: Path, tmp_path: Path, notes_py: Path
) -> None:
    project = tmp_path / "notes-py"
    shutil.copytree(notes_py, project, ignore=shutil.ignore_patterns(".venv", "dist", "__pycache__", "*.egg-info"))
    built = cli(config_dir, "build", str(project), "--target", "registry", "--out", str(project / "dist"))
    assert built.returncode == 0, built.stderr
    login = cli(config_dir, "login", "admin", "--registry", registry.base_url, "--token-stdin", stdin=ADMIN_SECRET)
    assert login.returncode == 0, login.stderr

    published = cli(config_dir, "publish", str(project / "dist"), "--channel", "registry", "--json")
    assert published.returncode == 0, published.stderr
    name = json_result(published.stdout)["name"]
    assert name == json.loads((project / "dist" / "server.json").read_text(encoding="utf-8"))["name"]

    found = cli(config_dir, "search", "delete_note", "--registry", registry.base_url, "--json")
    assert name in [entry["server"]["name"] for entry in json_result(found.stdout)["servers"]]
