"""The smithery target: smithery.yaml from the notes examples, read back by a real YAML reader."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from mcpship._exceptions import BuildError, SpecError
from mcpship.spec.model import EnvVar
from mcpship.targets import load_target
from mcpship.targets.smithery import SmitheryTarget, config_key, validate_smithery
from tests.unit.targets import catalog_support
from tests.unit.targets.catalog_support import context, load_yaml

EXAMPLES = ("notes-py", "notes-node")
COMMANDS = {"notes-py": "notes-mcp", "notes-node": "notes-node-mcp"}


def build(tmp_path: Path, example: str, config: dict[str, Any] | None = None, **changes: Any) -> tuple[Path, Any]:
    return catalog_support.build(SmitheryTarget(), tmp_path, example, config, **changes)


@pytest.mark.parametrize("example", EXAMPLES)
def test_stdio_document_has_every_documented_field(tmp_path: Path, example: str) -> None:
    path, document = build(tmp_path, example)
    start = document["startCommand"]
    expected = {
        "runtime": "container",
        "startCommand.type": "stdio",
        "configSchema.type": "object",
        "configSchema.required": ["notesToken"],
        "notesToken": {"type": "string", "description": "API token for the notes backend", "writeOnly": True},
        "notesDir": {"type": "string", "description": "Keep notes in this folder instead of memory"},
        "exampleConfig": {"notesToken": "<NOTES_TOKEN>"},
    }
    actual = {
        "runtime": document["runtime"],
        "startCommand.type": start["type"],
        "configSchema.type": start["configSchema"]["type"],
        "configSchema.required": start["configSchema"]["required"],
        "notesToken": start["configSchema"]["properties"]["notesToken"],
        "notesDir": start["configSchema"]["properties"]["notesDir"],
        "exampleConfig": start["exampleConfig"],
    }
    assert actual == expected
    assert list(document) == ["runtime", "startCommand"]
    assert list(start) == ["type", "configSchema", "commandFunction", "exampleConfig"]
    assert validate_smithery(document, source=str(path)) == []


@pytest.mark.parametrize(
    ("config", "env"),
    [
        ({"notesToken": "t"}, {"NOTES_TOKEN": "t"}),
        ({"notesToken": "t", "notesDir": "/d"}, {"NOTES_TOKEN": "t", "NOTES_DIR": "/d"}),
    ],
)
def test_command_function_maps_config_keys_to_environment_variables(
    tmp_path: Path, config: dict[str, str], env: dict[str, str]
) -> None:
    _, document = build(tmp_path, "notes-py")
    function = document["startCommand"]["commandFunction"]
    script = f"const f = {function};\nprocess.stdout.write(JSON.stringify(f({json.dumps(config)})));"
    result = subprocess.run(["node", "-e", script], capture_output=True, text=True, timeout=30, check=True)
    assert json.loads(result.stdout) == {"command": "notes-mcp", "args": [], "env": env}


def test_defaults_choices_and_args_reach_the_command(tmp_path: Path) -> None:
    env = [
        EnvVar(name="NOTES_API_KEY", required=True, secret=True),
        EnvVar(name="NOTES_MODE", default="fast", choices=["fast", "safe"]),
    ]
    ctx = context(tmp_path, "notes-node", "smithery", None, env=env)
    run = ctx.resolved.spec.run.model_copy(update={"args": ["--stdio", 'it\'s "quoted"']})
    ctx = context(tmp_path, "notes-node", "smithery", None, env=env, run=run)
    [(_, path, _)] = SmitheryTarget().build(ctx)
    document = load_yaml(path.read_text(encoding="utf-8"))
    schema = document["startCommand"]["configSchema"]
    assert schema["properties"]["notesMode"] == {"type": "string", "enum": ["fast", "safe"], "default": "fast"}
    assert document["startCommand"]["exampleConfig"] == {"notesApiKey": "<NOTES_API_KEY>", "notesMode": "fast"}
    function = document["startCommand"]["commandFunction"]
    script = f"const f = {function};\nconsole.log(JSON.stringify(f({{notesApiKey: 'k'}})))"
    result = subprocess.run(["node", "-e", script], capture_output=True, text=True, timeout=30, check=True)
    assert json.loads(result.stdout) == {
        "command": "notes-node-mcp",
        "args": ["--stdio", 'it\'s "quoted"'],
        "env": {"NOTES_API_KEY": "k", "NOTES_MODE": "fast"},
    }


def test_http_transport_and_build_env_and_name_options(tmp_path: Path) -> None:
    config = {
        "transport": "http",
        "name": "notes-py",
        "dockerfile": "docker/Dockerfile",
        "docker_build_path": ".",
        "env": {"LOG_LEVEL": "info", "DEBUG": "true"},
        "example_config": {"notesDir": "/data"},
    }
    _, document = build(tmp_path, "notes-py", config)
    assert document == {
        "name": "notes-py",
        "runtime": "container",
        "startCommand": {
            "type": "http",
            "configSchema": document["startCommand"]["configSchema"],
            "exampleConfig": {"notesToken": "<NOTES_TOKEN>", "notesDir": "/data"},
        },
        "build": {"dockerfile": "docker/Dockerfile", "dockerBuildPath": "."},
        "env": {"DEBUG": "true", "LOG_LEVEL": "info"},
    }
    warnings = SmitheryTarget().check(context(tmp_path, "notes-py", "smithery", config))
    assert [problem.severity for problem in warnings] == ["warning"]
    assert "query parameters" in warnings[0].message


def test_rebuilds_are_byte_identical(tmp_path: Path) -> None:
    first, _ = build(tmp_path, "notes-node")
    second, _ = build(tmp_path, "notes-node")
    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes().endswith(b"\n")


@pytest.mark.parametrize(
    ("config", "key"),
    [({"transprt": "stdio"}, "transprt"), ({"transport": "websocket"}, "transport"), ({"name": "x"}, "name")],
)
def test_config_errors_name_the_key(tmp_path: Path, config: dict[str, Any], key: str) -> None:
    with pytest.raises(SpecError) as caught:
        SmitheryTarget().check(context(tmp_path, "notes-py", "smithery", config))
    message = str(caught.value)
    assert "mcpship.toml" in message
    assert f'"{key}"' in message or f"[targets.smithery].{key}" in message or f"targets.smithery.{key}" in message


def test_http_without_http_table_and_unknown_example_keys_stop_the_build(tmp_path: Path) -> None:
    ctx = context(tmp_path, "notes-py", "smithery", {"transport": "http", "example_config": {"token": "x"}}, http=None)
    problems = SmitheryTarget().check(ctx)
    assert {(problem.path, problem.severity) for problem in problems} >= {
        ("[targets.smithery].transport", "error"),
        ("[targets.smithery].example_config.token", "error"),
    }
    assert all(problem.file.endswith("mcpship.toml") and problem.hint for problem in problems)
    with pytest.raises(BuildError):
        SmitheryTarget().build(ctx)


def test_a_secrets_value_in_example_config_or_env_stops_the_build_and_is_never_written(tmp_path: Path) -> None:
    config = {"example_config": {"notesToken": "sk-live-123"}, "env": {"NOTES_TOKEN": "sk-live-456"}}
    ctx = context(tmp_path, "notes-py", "smithery", config)
    problems = [p for p in SmitheryTarget().check(ctx) if p.severity == "error"]
    assert {problem.path for problem in problems} == {
        "[targets.smithery].example_config.notesToken",
        "[targets.smithery].env.NOTES_TOKEN",
    }
    assert all("NOTES_TOKEN is a secret" in problem.message for problem in problems)
    assert all("sk-live" not in problem.message + str(problem.hint) for problem in problems)
    with pytest.raises(BuildError):
        SmitheryTarget().build(ctx)
    assert not (ctx.staging / "smithery.yaml").exists()


def test_config_keys_are_camel_case() -> None:
    assert [config_key(name) for name in ("NOTES_TOKEN", "API_KEY", "X", "_LEADING", "A__B")] == [
        "notesToken", "apiKey", "x", "leading", "aB",
    ]  # fmt: skip


def test_validator_finds_what_smithery_refuses() -> None:
    document = {
        "runtime": "container",
        "name": "x",
        "startCommand": {
            "type": "stdio",
            "configSchema": {
                "type": "object",
                "properties": {"dir": {"type": "string", "writeOnly": True}},
                "required": ["nope"],
            },
            "exampleConfig": {"other": "x"},
        },
        "env": {"DEBUG": True},
        "extra": 1,
    }
    paths = {problem.path for problem in validate_smithery(document, source="smithery.yaml")}
    assert paths == {
        "$.name", "$.startCommand.commandFunction", "$.startCommand.configSchema.required[0]",
        "$.startCommand.configSchema.properties.dir", "$.startCommand.exampleConfig.other",
        "$.startCommand.exampleConfig", "$.env.DEBUG", "$.extra",
    }  # fmt: skip


def test_validator_refuses_an_unknown_runtime() -> None:
    [problem] = validate_smithery({"runtime": "lambda"}, source="smithery.yaml")
    assert (problem.path, problem.severity) == ("$.runtime", "error")


def test_target_is_registered() -> None:
    assert isinstance(load_target("smithery"), SmitheryTarget)
