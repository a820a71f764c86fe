"""Failures a user meets, through the installed ``mcpship`` script: one ``error:`` line, a ``hint:``, the right exit
code, no traceback unless ``-v``."""

from __future__ import annotations

import sys
from pathlib import Path

from tests.conftest import SERVERS, assert_clean_error, run_mcpship


def test_a_server_that_exits_at_once_shows_its_exit_code_and_stderr_tail() -> None:
    result = run_mcpship("inspect", "--", sys.executable, str(SERVERS / "exits_at_once.py"))
    assert_clean_error(result, 5)
    assert "exited with code 3 before answering" in result.stderr
    assert "NOTES_DB_URL is not set" in result.stderr


def test_a_server_that_prints_non_json_on_stdout_is_named_a_protocol_violation() -> None:
    result = run_mcpship("inspect", "--", sys.executable, str(SERVERS / "prints_banner.py"))
    assert_clean_error(result, 5)
    assert "not an MCP JSON-RPC message: 'Welcome to banner-server v1.0!'" in result.stderr
    assert "stderr" in result.stderr  # the hint says where logs belong


def test_a_server_that_never_answers_times_out() -> None:
    result = run_mcpship("inspect", "--timeout", "2", "--", sys.executable, str(SERVERS / "never_answers.py"))
    assert_clean_error(result, 5)
    assert "did not answer within 2 s" in result.stderr
    assert "waiting for a license key" in result.stderr


def test_a_command_that_does_not_exist_cannot_start() -> None:
    result = run_mcpship("inspect", "--", "/nonexistent/mcp-server")
    assert_clean_error(result, 5)
    assert "could not start the server" in result.stderr


def test_an_unreachable_url_is_a_connection_error() -> None:
    result = run_mcpship("inspect", "--timeout", "10", "http://127.0.0.1:9/mcp")
    assert_clean_error(result, 5)
    assert "could not reach http://127.0.0.1:9/mcp" in result.stderr


def test_a_malformed_spec_names_file_key_and_fix(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\nversion = "1.0.0"\ndescription = "x"\n[project.scripts]\nx = "x:main"\n'
        '[tool.mcpship]\nname = "io.github.acme/x"\nenviroment = []\n',
        encoding="utf-8",
    )
    result = run_mcpship("spec", str(tmp_path))
    assert_clean_error(result, 3)
    assert 'pyproject.toml [tool.mcpship]: unknown key "enviroment" in [tool.mcpship]; did you mean "env"?' in (
        result.stderr
    )
    assert 'hint: rename "enviroment" to "env"' in result.stderr


def test_invalid_toml_syntax_is_a_spec_error(tmp_path: Path) -> None:
    (tmp_path / "mcpship.toml").write_text("name = \n", encoding="utf-8")
    result = run_mcpship("inspect", str(tmp_path))
    assert_clean_error(result, 3)
    assert "mcpship.toml: invalid TOML" in result.stderr


def test_an_unknown_target_form_lists_the_accepted_forms() -> None:
    result = run_mcpship("inspect", "gopher:thing")
    assert_clean_error(result, 2)
    assert "unknown TARGET form 'gopher:'" in result.stderr
    assert "pypi:NAME[==VERSION|@VERSION]" in result.stderr


def test_verbose_adds_the_traceback() -> None:
    result = run_mcpship("-v", "inspect", "gopher:thing")
    assert result.returncode == 2
    assert "Traceback" in result.stderr
    assert "error: " in result.stderr


def test_a_node_project_without_node_modules_says_to_install_them(tmp_path: Path, notes_node: Path) -> None:
    for name in ("package.json", "package-lock.json", "mcpship.toml"):
        (tmp_path / name).write_bytes((notes_node / name).read_bytes())
    result = run_mcpship("inspect", str(tmp_path))
    assert_clean_error(result, 4)
    assert "npm ci" in result.stderr


def test_an_unknown_option_is_a_usage_error_without_traceback() -> None:
    result = run_mcpship("inspect", "--bogus")
    assert_clean_error(result, 2)
    assert "No such option: --bogus" in result.stderr
    assert "mcpship inspect --help" in result.stderr


def test_a_bad_option_value_is_a_usage_error() -> None:
    result = run_mcpship("inspect", "--timeout", "soon", "x")
    assert_clean_error(result, 2)
    assert "--timeout" in result.stderr
