from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from mcpship import UsageError
from mcpship.probe import HttpPlan, StdioPlan, locations, resolve_target
from mcpship.probe.environment import child_environment, parse_env_assignments
from mcpship.spec import EnvVar

_listed_scripts = locations._listed_scripts  # the real one, before the fixture below replaces it


@pytest.fixture(autouse=True)
def _no_package_lookups(monkeypatch: pytest.MonkeyPatch) -> None:
    """Unit tests never install a package to read its scripts: as if the lookup failed (the name then stands)."""
    monkeypatch.setattr(locations, "_listed_scripts", lambda argv, env, **options: None)


def _package_scripts(monkeypatch: pytest.MonkeyPatch, scripts: list[str]) -> list[tuple[str, ...]]:
    calls: list[tuple[str, ...]] = []

    def listed(argv: tuple[str, ...], env: dict[str, str], **options: bool) -> list[str]:
        calls.append(tuple(argv))
        return scripts

    monkeypatch.setattr(locations, "_listed_scripts", listed)
    return calls


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


def test_a_pypi_package_with_one_script_under_another_name_runs_that_script(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _package_scripts(monkeypatch, ["word_mcp_server"])
    plan = resolve_target("pypi:office-word-mcp-server@1.1.0", ["--flag"])
    assert isinstance(plan, StdioPlan)
    assert plan.argv[1:] == ("tool", "run", "--from", "office-word-mcp-server==1.1.0", "word_mcp_server", "--flag")
    # The scripts are read in the environment uvx then reuses: same requirement, the package's own python.
    assert calls[0][1:7] == ("tool", "run", "--offline", "--from", "office-word-mcp-server==1.1.0", "python")
    assert calls[0][-1] == "office-word-mcp-server"
    assert len(calls) == 1  # found in uv's cache: no second, online lookup


def test_a_pypi_script_named_like_the_package_wins_over_the_others(monkeypatch: pytest.MonkeyPatch) -> None:
    _package_scripts(monkeypatch, ["demo", "demo-admin"])
    plan = resolve_target("pypi:demo")
    assert isinstance(plan, StdioPlan)
    assert plan.argv[-1] == "demo"


@pytest.mark.parametrize(
    ("scripts", "message"),
    [
        (["alpha-server", "beta-server"], "several console scripts and none is named like it: alpha-server, beta-"),
        ([], "the package has no console script"),
    ],
)
def test_a_pypi_package_without_one_clear_script_asks_for_script(
    monkeypatch: pytest.MonkeyPatch, scripts: list[str], message: str
) -> None:
    _package_scripts(monkeypatch, scripts)
    with pytest.raises(UsageError, match=message) as caught:
        resolve_target("pypi:demo-tools")
    assert caught.value.hint is not None
    if scripts:
        assert caught.value.hint == (
            "name the one that starts the server with --script NAME (one of: alpha-server, beta-server)"
        )


def test_an_explicit_script_is_not_looked_up(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _package_scripts(monkeypatch, ["alpha-server", "beta-server"])
    plan = resolve_target("pypi:demo-tools", script="beta-server")
    assert isinstance(plan, StdioPlan)
    assert plan.argv[-1] == "beta-server"
    assert calls == []


def test_a_long_script_list_is_cut_in_the_message(monkeypatch: pytest.MonkeyPatch) -> None:
    _package_scripts(monkeypatch, [f"tool-{i:02d}" for i in range(30)])
    with pytest.raises(UsageError, match=r"tool-19 and 10 more$"):
        resolve_target("pypi:demo-tools")


def test_the_script_lister_reads_only_a_list_of_names(tmp_path: Path) -> None:
    import sys

    def run(code: str) -> list[str] | None:
        return _listed_scripts((sys.executable, "-c", code), {})

    assert run("print('noise'); print(repr(['b', 'a', 'a']).replace(chr(39), chr(34)))") == ["a", "b"]
    assert run("print('{}')") is None
    assert run("print('[1, 2]')") is None
    assert run("import sys; sys.exit(3)") is None
    assert run("print('x' * 300_000)") is None


def test_npm_bins_are_read_as_npm_view_prints_them() -> None:
    import sys

    def run(code: str) -> list[str] | None:
        return _listed_scripts((sys.executable, "-c", code), {}, whole_output=True)

    assert run('print(\'{\\n  "b": "bin/b.js",\\n  "a": "bin/a.js"\\n}\')') == ["a", "b"]
    assert run("pass") == []  # npm view prints nothing for a package without bins
    assert run("print('[\"a\"]')") is None
    assert run("import sys; sys.exit(1)") is None


@pytest.mark.parametrize("bins", [["word_mcp_server"], ["server", "server-debug"], None])
def test_npx_chooses_the_bin_itself_when_it_can(monkeypatch: pytest.MonkeyPatch, bins: list[str] | None) -> None:
    calls = _package_scripts(monkeypatch, bins)  # type: ignore[arg-type]
    plan = resolve_target("npm:@scope/server@1.2.0")
    assert isinstance(plan, StdioPlan)
    assert plan.argv[1:] == ("-y", "@scope/server@1.2.0")
    assert calls
    assert calls[0][1:] == ("view", "@scope/server@1.2.0", "bin", "--json")


def test_an_npm_package_with_several_bins_none_named_like_it_names_script(monkeypatch: pytest.MonkeyPatch) -> None:
    _package_scripts(monkeypatch, ["alpha-server", "beta-server"])
    with pytest.raises(UsageError, match="several bins and none is named like it: alpha-server, beta-server") as caught:
        resolve_target("npm:demo-tools")
    assert "--script NAME" in (caught.value.hint or "")
    _package_scripts(monkeypatch, [])
    with pytest.raises(UsageError, match="has no bin to start the server"):
        resolve_target("npm:demo-tools")


def test_a_named_npm_bin_is_not_looked_up(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _package_scripts(monkeypatch, ["alpha-server", "beta-server"])
    plan = resolve_target("npm:demo-tools", script="beta-server")
    assert isinstance(plan, StdioPlan)
    assert plan.argv[1:] == ("-y", "--package", "demo-tools", "beta-server")
    assert calls == []
