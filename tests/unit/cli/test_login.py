"""``mcpship login`` / ``publish --channel registry`` command lines that cannot work fail before any request."""

from __future__ import annotations

from pathlib import Path

import pytest

from mcpship.cli import main


@pytest.fixture(autouse=True)
def _private_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MCPSHIP_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.delenv("MCPSHIP_REGISTRY", raising=False)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["login", "admin"], "reads the admin token from stdin"),
        (["login", "dns", "--domain", "example.com"], "needs --domain and --private-key-file"),
        (["login", "http", "--private-key-file", "k.hex"], "needs --domain and --private-key-file"),
        (["login", "none", "--token", "x"], "does not take --token"),
        (["login", "github-oidc", "--domain", "example.com"], "does not take --domain"),
        (["login", "github", "--token", "x", "--token-stdin"], "give the token once"),
        (["login", "magic"], "unknown login method"),
        (["login", "none", "--registry", "registry.test"], "is not a registry URL"),
        (["publish", "--channel", "oci"], "--channel oci needs --to"),
        (["publish", "--channel", "oci", "--to", "ghcr.io/a/b", "--registry", "https://r.test"], "--registry is for"),
        (["publish", "--channel", "registry", "--to", "ghcr.io/a/b"], "does not take --to"),
    ],
)
def test_flags_that_do_not_fit_the_method_or_channel_are_usage_errors(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "hint: " in err


def test_github_login_without_any_token_says_where_to_get_one(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MCP_GITHUB_TOKEN", raising=False)
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    assert main(["login", "github", "--registry", "http://127.0.0.1:9"]) == 2
    err = capsys.readouterr().err
    assert "needs a GitHub token" in err
    assert "gh auth token" in err


def test_oidc_login_outside_github_actions_names_the_missing_variables(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ACTIONS_ID_TOKEN_REQUEST_TOKEN", raising=False)
    monkeypatch.delenv("ACTIONS_ID_TOKEN_REQUEST_URL", raising=False)
    assert main(["login", "github-oidc", "--registry", "http://127.0.0.1:9"]) == 2
    assert "ACTIONS_ID_TOKEN_REQUEST_URL" in capsys.readouterr().err


def test_a_malformed_key_file_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    key = tmp_path / "key.hex"
    key.write_text("not a key", encoding="ascii")
    args = ["login", "dns", "--domain", "example.com", "--private-key-file", str(key), "--registry", "http://x.test"]
    assert main(args) == 2
    assert str(key) in capsys.readouterr().err


def test_publish_to_a_registry_without_a_login_says_to_log_in(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server = tmp_path / "server.json"
    server.write_text('{"name": "io.github.a/b", "version": "1.0.0"}', encoding="utf-8")
    assert main(["publish", str(server), "--channel", "registry", "--registry", "http://127.0.0.1:9"]) == 11
    err = capsys.readouterr().err
    assert "error: not logged in to http://127.0.0.1:9" in err
    assert "hint: log in first: mcpship login" in err
