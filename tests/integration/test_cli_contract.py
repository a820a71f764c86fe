"""The CLI contract, through the installed ``mcpship`` script: every registered command prints one ``--json``
envelope that validates against docs/cli-json.schema.json, on success and on failure; ``-v``/``-q`` before or
after the command; help text shown literally with readable option types; tables whole in a pipe; and a command
that loads only its own modules."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import typer.main
from typer.core import TyperArgument, TyperOption

from mcpship.cli import app
from mcpship.cli._commands import COMMANDS, METAVARS
from tests.conftest import SERVERS, Result, free_port, mcpship_executable, run_mcpship
from tests.integration.registry.conftest import RegistryServer
from tests.integration.test_cli import VERBS

ROOT = Path(__file__).resolve().parents[2]
SCHEMA: dict[str, Any] = json.loads((ROOT / "docs" / "cli-json.schema.json").read_text(encoding="utf-8"))
ANONYMOUS = "io.modelcontextprotocol.anonymous"


@dataclass
class World:
    """What the commands run against: the example project, a live registry, a folder of their own."""

    notes_py: Path
    registry: RegistryServer
    tmp: Path
    config: Path

    def run(self, *args: str, timeout: float = 300.0) -> Result:
        env = {**os.environ, "NO_COLOR": "1", "MCPSHIP_CONFIG_DIR": str(self.config)}
        env.pop("MCPSHIP_REGISTRY", None)
        completed = subprocess.run(
            [mcpship_executable(), *args], capture_output=True, text=True, env=env, timeout=timeout, check=False
        )
        return Result(completed.returncode, completed.stdout, completed.stderr)

    def built(self) -> Path:
        """A dist folder with server.json, built once."""
        out = self.tmp / "dist"
        if not (out / "server.json").exists():
            result = self.run("build", str(self.notes_py), "--target", "registry", "--out", str(out))
            assert result.returncode == 0, result.stderr
        return out

    def anonymous_server_json(self) -> Path:
        document = json.loads((self.built() / "server.json").read_text(encoding="utf-8"))
        document["name"] = f"{ANONYMOUS}/contract-notes"
        path = self.tmp / "anonymous" / "server.json"
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps(document), encoding="utf-8")
        return path


@pytest.fixture(scope="module")
def world(notes_py: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    folder = tmp_path_factory.mktemp("contract")
    registry = RegistryServer(
        f"sqlite:///{folder / 'registry.db'}", folder, ("--no-ownership-checks", "--enable-anonymous-auth")
    )
    registry.start()
    try:
        yield World(notes_py, registry, folder, folder / "config")
    finally:
        registry.stop()


def _init_project(world: World) -> Path:
    project = world.tmp / "fresh"
    if not project.exists():
        project.mkdir()
        for name in ("pyproject.toml", "README.md"):
            shutil.copy(world.notes_py / name, project / name)
        (project / "src").symlink_to(world.notes_py / "src", target_is_directory=True)
    return project


def _ci_project(world: World) -> Path:
    """A copy of the example outside any git repository: the workflow goes into it, not into mcpship's own."""
    project = world.tmp / "ci"
    if not project.exists():
        project.mkdir()
        for name in ("pyproject.toml", "mcpship.toml", "README.md"):
            shutil.copy(world.notes_py / name, project / name)
        (project / "src").symlink_to(world.notes_py / "src", target_is_directory=True)
    return project


def _serve_and_stop(world: World) -> Result:
    """``registry serve --json`` prints its envelope once the server stops (here: SIGTERM once it answers)."""
    port = free_port()
    command = [mcpship_executable(), "registry", "serve", "--db", f"sqlite:///{world.tmp / 'serve.db'}"]
    command += ["--port", str(port), "--json"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process:
        RegistryServer(world.registry.database_url, world.tmp, port=port, process=process)._wait_healthy()
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=60)
    return Result(process.returncode, stdout.decode(), stderr.decode())


def _publish(world: World) -> Result:
    login = world.run("login", "none", "--registry", world.registry.base_url)
    assert login.returncode == 0, login.stderr
    return world.run(
        "publish", str(world.anonymous_server_json()), "--channel", "registry", "--registry", world.registry.base_url,
        "--json",
    )  # fmt: skip


def _bad_server_json(world: World) -> Path:
    path = world.tmp / "bad" / "server.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps({"name": "no-namespace", "version": "1.0.0"}), encoding="utf-8")
    return path


Case = Callable[[World], Result]
MISSING = "/no/such/folder"
UNREACHABLE = "http://127.0.0.1:9"  # discard port: nothing listens there

# Every command: a success path (reusing the shared fixtures) and a cheap failure path.
SUCCESS: dict[tuple[str, ...], Case] = {
    ("init",): lambda w: w.run("init", str(_init_project(w)), "--no-probe", "--json"),
    ("spec",): lambda w: w.run("spec", str(w.notes_py), "--json"),
    ("inspect",): lambda w: w.run("inspect", str(w.notes_py), "--json"),
    ("lock",): lambda w: w.run("lock", "--check", str(w.notes_py), "--json"),
    ("diff",): lambda w: w.run(
        "diff", str(w.notes_py / "mcp-interface.json"), str(w.notes_py / "mcp-interface.json"), "--json"
    ),
    ("build",): lambda w: w.run("build", str(w.notes_py), "--target", "registry", "--out", str(w.tmp / "b"), "--json"),
    ("verify",): lambda w: w.run("verify", str(w.built()), "--project", str(w.notes_py), "--json"),
    ("ship",): lambda w: w.run(
        "ship", str(w.notes_py), "--target", "registry", "--out", str(w.tmp / "shipped"), "--json"
    ),
    ("validate",): lambda w: w.run("validate", str(w.built() / "server.json"), "--json"),
    ("publish",): _publish,
    ("login",): lambda w: w.run("login", "none", "--registry", w.registry.base_url, "--json"),
    ("logout",): lambda w: w.run("logout", "--registry", w.registry.base_url, "--json"),
    ("search",): lambda w: w.run("search", "notes", "--registry", w.registry.base_url, "--json"),
    ("ci", "init"): lambda w: w.run("ci", "init", "--github", str(_ci_project(w)), "--force", "--json"),
    ("bump",): lambda w: w.run("bump", "minor", "--pre", "rc", "--dry-run", str(w.notes_py), "--json"),
    ("check",): lambda w: w.run("check", str(w.notes_py), "--json"),
    ("release",): lambda w: w.run("release", "minor", "--dry-run", "--project", str(_ci_project(w)), "--json"),
    ("registry", "serve"): _serve_and_stop,
    ("registry", "mirror"): lambda w: w.run(
        "registry", "mirror", "--from", w.registry.base_url, "--db", f"sqlite:///{w.tmp / 'mirror.db'}", "--json"
    ),
}
FAILURE: dict[tuple[str, ...], Case] = {
    ("init",): lambda w: w.run("init", MISSING, "--json"),
    ("spec",): lambda w: w.run("spec", MISSING, "--json"),
    ("inspect",): lambda w: w.run("inspect", MISSING, "--json"),
    ("lock",): lambda w: w.run("lock", MISSING, "--json"),
    ("diff",): lambda w: w.run("diff", f"{MISSING}/mcp-interface.json", str(w.notes_py), "--json"),
    ("build",): lambda w: w.run("build", MISSING, "--json"),
    ("verify",): lambda w: w.run("verify", MISSING, "--json"),
    ("ship",): lambda w: w.run("ship", MISSING, "--json"),
    ("validate",): lambda w: w.run("validate", str(_bad_server_json(w)), "--json"),
    ("publish",): lambda w: w.run("publish", "--channel", "oci", "--json"),
    ("login",): lambda w: w.run("login", "carrier-pigeon", "--json"),
    ("logout",): lambda w: w.run("logout", "--registry", "ftp://example.com", "--json"),
    ("search",): lambda w: w.run("search", "notes", "--registry", UNREACHABLE, "--json"),
    ("ci", "init"): lambda w: w.run("ci", "init", "--github", MISSING, "--json"),
    ("bump",): lambda w: w.run("bump", "minor", MISSING, "--json"),
    ("check",): lambda w: w.run("check", MISSING, "--json"),
    ("release",): lambda w: w.run("release", "--resume", "--project", str(_ci_project(w)), "--json"),
    ("registry", "serve"): lambda w: w.run("registry", "serve", "--host", "0.0.0.0", "--json"),
    ("registry", "mirror"): lambda w: w.run(
        "registry", "mirror", "--from", UNREACHABLE, "--db", f"sqlite:///{w.tmp / 'nothing.db'}", "--json"
    ),
}


def _envelope(result: Result) -> dict[str, Any]:
    envelope: dict[str, Any] = json.loads(result.stdout)  # stdout holds the envelope and nothing else
    jsonschema.validate(envelope, SCHEMA, cls=jsonschema.Draft202012Validator)
    return envelope


def _result_schema(verb: tuple[str, ...]) -> dict[str, Any]:
    return {"$defs": SCHEMA["$defs"], "$ref": f"#/$defs/results/properties/{'-'.join(verb)}"}


def test_every_command_module_is_in_the_command_table() -> None:
    # a module the table does not name is never imported: its commands would silently not exist
    modules = {f"mcpship.cli.{path.stem}" for path in (ROOT / "src" / "mcpship" / "cli").glob("*_cmd.py")}
    assert modules == {module for entry in COMMANDS.values() for module in entry.modules}


def test_every_command_has_a_success_and_a_failure_case() -> None:
    assert sorted(SUCCESS) == sorted(VERBS) == sorted(FAILURE)
    assert sorted(SCHEMA["$defs"]["results"]["properties"]) == sorted("-".join(verb) for verb in VERBS)


@pytest.mark.parametrize("verb", VERBS, ids=" ".join)
def test_json_on_success_is_the_envelope_with_the_commands_result(world: World, verb: tuple[str, ...]) -> None:
    result = SUCCESS[verb](world)
    assert result.returncode == 0, result.stdout + result.stderr
    envelope = _envelope(result)
    assert envelope["ok"] is True
    assert envelope["problems"] == []
    jsonschema.validate(envelope["result"], _result_schema(verb), cls=jsonschema.Draft202012Validator)


@pytest.mark.parametrize("verb", VERBS, ids=" ".join)
def test_json_on_failure_is_the_envelope_with_the_error_as_a_problem(world: World, verb: tuple[str, ...]) -> None:
    result = FAILURE[verb](world)
    assert result.returncode not in (0, None), result.stdout + result.stderr
    envelope = _envelope(result)
    assert envelope["ok"] is False
    final = [problem for problem in envelope["problems"] if problem["kind"] is not None]
    assert len(final) == 1, envelope
    assert final[0]["exitCode"] == result.returncode  # the exit code is the error's, unchanged by --json
    assert final[0]["message"] in result.stderr  # humans still get error: + hint: on stderr
    assert "Traceback" not in result.stderr


def test_validate_findings_are_problems_with_their_file_and_json_path(world: World) -> None:
    envelope = _envelope(FAILURE[("validate",)](world))
    findings = [problem for problem in envelope["problems"] if problem["kind"] is None]
    assert findings
    assert {problem["file"] for problem in findings} == {str(_bad_server_json(world))}
    assert all(problem["path"].startswith("$") for problem in findings)
    assert envelope["problems"][-1]["kind"] == "InvalidArtifactError"
    assert envelope["problems"][-1]["exitCode"] == 9


def test_a_command_line_that_does_not_parse_still_prints_the_envelope() -> None:
    result = run_mcpship("spec", "--json", "--no-such-option")
    assert result.returncode == 2
    envelope = _envelope(result)
    [problem] = envelope["problems"]
    assert problem["kind"] == "UsageError"
    assert "--no-such-option" in problem["message"]


@pytest.mark.parametrize("order", ["before", "after"])
def test_quiet_before_or_after_the_command_prints_nothing_but_errors(notes_py: Path, order: str) -> None:
    spec = ["-q", "spec", str(notes_py)] if order == "before" else ["spec", str(notes_py), "--quiet"]
    quiet = run_mcpship(*spec)
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, "", "")
    failing = run_mcpship(*(["-q", "spec", MISSING] if order == "before" else ["spec", MISSING, "-q"]))
    assert failing.returncode == 3
    assert failing.stdout == ""
    assert failing.stderr.startswith("error: ")


@pytest.mark.parametrize("order", ["before", "after"])
def test_verbose_before_or_after_the_command_shows_the_traceback(order: str) -> None:
    args = ["-v", "spec", MISSING] if order == "before" else ["spec", MISSING, "-v"]
    result = run_mcpship(*args)
    assert result.returncode == 3
    assert "Traceback" in result.stderr
    assert "SpecError" in result.stderr


def _commands() -> Iterator[tuple[tuple[str, ...], Any]]:
    root = typer.main.get_command(app)
    for verb in VERBS:
        command: Any = root
        for word in verb:
            command = command.commands[word]
        yield verb, command


def _texts(command: Any) -> list[str]:
    texts = [command.help or "", command.epilog or ""]
    texts += [param.help or "" for param in command.params if getattr(param, "help", None)]
    return [re.sub(r"\\(\[)", r"\1", text) for text in texts]  # as written in the source, before escaping


@pytest.mark.parametrize("verb", VERBS, ids=" ".join)
def test_help_shows_every_bracket_of_the_source_literally(verb: tuple[str, ...]) -> None:
    command = dict(_commands())[verb]
    bracketed = {match for text in _texts(command) for match in re.findall(r"\[[^\[\]\s]+\]", text)}
    shown = run_mcpship(*verb, "--help").stdout
    assert sorted(token for token in bracketed if token not in shown) == []


def test_the_top_level_help_lists_every_command_with_its_own_one_line_help() -> None:
    root: Any = typer.main.get_command(app)
    for name, entry in COMMANDS.items():
        own = (root.commands[name].help or "").split("\n\n")[0].replace("\n", " ")
        assert re.sub(r"\\(\[)", r"\1", own) == entry.summary, name  # the table says what the docstring says
    shown = run_mcpship("--help").stdout
    assert all(re.search(rf"^. {name}\s", shown, re.M) for name in COMMANDS), shown
    assert "mcpship[registry]" in shown


def test_every_option_that_takes_a_value_names_it_as_users_read_it() -> None:
    unnamed = sorted(
        f"{' '.join(verb)} {param.opts[0]}: {param.metavar}"
        for verb, command in _commands()
        for param in command.params
        if isinstance(param, TyperOption)
        and not (param.is_flag or param.count or param.type_descriptor.is_choice)
        and (param.metavar in (None, "TEXT") or param.metavar.startswith("<"))
    )
    assert unnamed == []
    python_words = sorted(
        f"{' '.join(verb)} {param.name}"
        for verb, command in _commands()
        for param in command.params
        if isinstance(param, TyperArgument) and str(param.display_type_rich(typer.Context(command))).startswith("<")
    )
    assert python_words == []
    shown = run_mcpship("registry", "serve", "--help").stdout
    assert re.search(r"--db\s+URL", shown)
    assert re.search(r"--port\s+INTEGER", shown)
    assert "<str>" not in shown
    assert "<bool>" not in shown
    assert set(METAVARS) <= {opt for _, command in _commands() for param in command.params for opt in param.opts}


def test_a_table_written_to_a_pipe_keeps_long_names_on_one_line(notes_py: Path, tmp_path: Path) -> None:
    out = tmp_path / ("a-rather-long-folder-name-" * 4) / "dist"
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "80"}
    completed = subprocess.run(
        [mcpship_executable(), "build", str(notes_py), "--target", "server-json", "--out", str(out)],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    lines = completed.stdout.splitlines()
    assert any(f"Built into {out}" in line for line in lines), completed.stdout
    assert any("server.json" in line and "server-json" in line for line in lines), completed.stdout


@pytest.mark.parametrize("args", [["inspect", "--help"], ["--help"], ["spec", "--json", "{notes_py}"]])
def test_a_command_imports_only_what_it_needs(notes_py: Path, args: list[str]) -> None:
    argv = [arg.format(notes_py=notes_py) for arg in args]
    completed = subprocess.run(
        [sys.executable, "-X", "importtime", mcpship_executable(), *argv],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr[-3000:]
    imported = {line.rsplit("|", 1)[-1].strip() for line in completed.stderr.splitlines() if "|" in line}
    assert "typer" in imported  # the import log was read
    heavy = ("httpx", "sqlalchemy", "mcpship.channels", "mcpship.registry", "mcpship.registry_client", "uvicorn")
    assert sorted(name for name in imported if name.split(".")[0] in heavy or name.startswith(heavy)) == []


@pytest.mark.parametrize("target", ["{notes_py}", "--"])
def test_inspecting_a_stdio_server_loads_neither_the_sdk_server_side_nor_an_http_stack(
    notes_py: Path, target: str
) -> None:
    # What mcpship imports after spawning is what the server waits for: the SDK's client half and nothing else.
    server = [sys.executable, str(SERVERS / "paginated.py")] if target == "--" else []
    argv = [target.format(notes_py=notes_py), *server]
    completed = subprocess.run(
        [sys.executable, "-X", "importtime", mcpship_executable(), "inspect", "--json", *argv],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert json.loads(completed.stdout)["result"]["tools"]
    imported = {line.rsplit("|", 1)[-1].strip() for line in completed.stderr.splitlines() if "|" in line}
    assert {"mcp.client.session", "mcp_types", "typer"} <= imported  # the import log was read
    sdk_server_side = ("mcp.server", "mcp.client.client", "uvicorn", "starlette", "sse_starlette", "cryptography")
    unwanted = (*sdk_server_side, "jwt", "httpx", "httpx2", "rich", "mcpship.channels", "mcpship.registry")
    assert sorted(name for name in imported if name.split(".")[0] in unwanted or name.startswith(unwanted)) == []
