from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from mcpship import UsageError
from mcpship.probe import HttpPlan, StdioPlan, resolve_target
from mcpship.probe.environment import child_environment, parse_env_assignments
from mcpship.spec import EnvVar


def test_a_command_after_double_dash_runs_as_is() -> None:
    plan = resolve_target(None, ["python", "-m", "notes_mcp"])
    assert isinstance(plan, StdioPlan)
    assert plan.argv == ("python", "-m", "notes_mcp")


def test_a_url_is_reached_over_streamable_http() -> None:
    plan = resolve_target("http://127.0.0.1:8000/mcp")
    assert isinstance(plan, HttpPlan)
    assert plan.url == "http://127.0.0.1:8000/mcp"


def test_pypi_names_run_through_uv_tool_run_with_the_version_pinned() -> None:
    plan = resolve_target("pypi:mcp-server-time==2026.10.19", ["--local-timezone", "UTC"])
    assert isinstance(plan, StdioPlan)
    assert plan.argv[1:] == (
        "tool",
        "run",
        "--from",
        "mcp-server-time==2026.10.19",
        "mcp-server-time",
        "--local-timezone",
        "UTC",
    )


def test_npm_names_run_through_npx_yes() -> None:
    plan = resolve_target("npm:@scope/server@1.2.0")
    assert isinstance(plan, StdioPlan)
    assert plan.argv[1:] == ("-y", "@scope/server@1.2.0")
    named = resolve_target("npm:@scope/server", script="server-bin")
    assert isinstance(named, StdioPlan)
    assert named.argv[1:] == ("-y", "--package", "@scope/server", "server-bin")


def test_a_wheel_runs_its_single_console_script(tmp_path: Path) -> None:
    wheel = tmp_path / "demo-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("demo-1.0.dist-info/entry_points.txt", "[console_scripts]\ndemo-mcp = demo:main\n")
    plan = resolve_target(str(wheel))
    assert isinstance(plan, StdioPlan)
    assert plan.argv[-1] == "demo-mcp"
    assert plan.argv[-2] == str(wheel.resolve())


def test_a_wheel_without_console_scripts_asks_for_script(tmp_path: Path) -> None:
    wheel = tmp_path / "demo-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("demo-1.0.dist-info/METADATA", "Name: demo\n")
    with pytest.raises(UsageError, match="the wheel has: none") as caught:
        resolve_target(str(wheel))
    assert caught.value.hint == "name it with --script NAME"


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("ftp:thing", "unknown TARGET form 'ftp:'"),
        ("no-such-folder", "no such file or folder"),
        ("oci:ghcr.io/acme/x:1", "cannot be inspected by this version"),
        ("pypi:not a name!", "not a package requirement"),
        ("npm:Not_Valid Name", "not an npm package name"),
    ],
)
def test_unknown_or_malformed_targets_are_usage_errors_with_the_accepted_forms(target: str, message: str) -> None:
    with pytest.raises(UsageError, match=message) as caught:
        resolve_target(target)
    assert caught.value.hint


def test_nothing_to_run_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="no server given"):
        resolve_target(None, [])


def test_child_environment_passes_only_safe_tls_and_declared_variables() -> None:
    source = {
        "PATH": "/bin",
        "HOME": "/root",
        "SSL_CERT_FILE": "/certs.pem",
        "UV_CACHE_DIR": "/uv",
        "AWS_SECRET_ACCESS_KEY": "leak-me-not",
        "NOTES_TOKEN": "t0k",
    }
    declared = [EnvVar(name="NOTES_TOKEN"), EnvVar(name="NOTES_DIR", default="~/notes")]
    env = child_environment(declared=declared, overrides={"EXTRA": "1"}, source=source)
    assert env["SSL_CERT_FILE"] == "/certs.pem"
    assert env["UV_CACHE_DIR"] == "/uv"
    assert env["NOTES_TOKEN"] == "t0k"
    assert env["EXTRA"] == "1"
    assert env["NOTES_DIR"].endswith("/notes")
    assert not env["NOTES_DIR"].startswith("~")
    assert "AWS_SECRET_ACCESS_KEY" not in env
    assert child_environment(source=source, inherit_all=True)["AWS_SECRET_ACCESS_KEY"] == "leak-me-not"


def test_env_assignments_must_be_key_equals_value() -> None:
    assert parse_env_assignments(["A=1", "B=x=y", "C="]) == {"A": "1", "B": "x=y", "C": ""}
    with pytest.raises(UsageError, match="is not KEY=VALUE"):
        parse_env_assignments(["oops"])


@pytest.mark.parametrize(
    ("target", "requirement"),
    [
        ("pypi:mcp-server-time@2026.10.19", "mcp-server-time==2026.10.19"),
        ("pypi:mcp-server-time==2026.10.19", "mcp-server-time==2026.10.19"),
        ("pypi:mcp-server-time@latest", "mcp-server-time"),
        ("pypi:mcp-server-time[cli]@1.0rc1", "mcp-server-time[cli]==1.0rc1"),
    ],
)
def test_a_pypi_version_is_read_as_uvx_reads_it(target: str, requirement: str) -> None:
    plan = resolve_target(target)
    assert isinstance(plan, StdioPlan)
    assert plan.argv[1:] == ("tool", "run", "--from", requirement, "mcp-server-time")


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("pypi:mcp-server-time @ https://example.com/x.whl", "URLs and markers are not supported"),
        ("pypi:mcp-server-time@https://example.com/x.whl", "URLs and markers are not supported"),
        ("pypi:mcp-server-time@not a version", "not a package requirement"),
        ("pypi:@1.0", "not a package requirement"),
    ],
)
def test_what_is_not_a_version_after_the_at_is_read_as_pep_508(target: str, message: str) -> None:
    with pytest.raises(UsageError, match=message) as caught:
        resolve_target(target)
    assert caught.value.hint == "write pypi:NAME, pypi:NAME==VERSION or pypi:NAME@VERSION"
