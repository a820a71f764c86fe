from __future__ import annotations

import subprocess
import sys

import pytest
import typer.main

from mcpship.cli import app
from mcpship.cli._prespawn import _FLAG_OPTIONS, _VALUE_OPTIONS, prespawn
from mcpship.probe import StdioPlan, resolve_target
from tests.conftest import SERVERS


def test_the_scan_knows_only_options_the_commands_really_have() -> None:
    command = typer.main.get_command(app)
    real: set[str] = set()
    for name in ("inspect", "lock"):
        for param in command.commands[name].params:  # type: ignore[attr-defined]
            real.update(param.opts)
    assert real >= _VALUE_OPTIONS | _FLAG_OPTIONS


@pytest.mark.parametrize(
    "args",
    [
        ["spec", "."],
        ["inspect", "--unknown-flag"],
        ["inspect", "a", "b"],
        ["inspect", "--timeout"],
        ["inspect", "http://127.0.0.1:1/mcp"],
        ["lock", "/no/such/folder"],
    ],
)
def test_nothing_is_spawned_for_shapes_the_scan_does_not_own(args: list[str]) -> None:
    assert prespawn(args, []) is None


def test_a_matching_plan_adopts_the_running_process_and_a_different_one_replaces_it() -> None:
    command = [sys.executable, str(SERVERS / "never_answers.py")]
    prespawned = prespawn(["-v", "inspect", "--json", "--timeout", "5", "-e", "A=1"], command)
    assert prespawned is not None
    with prespawned.process:
        same = resolve_target(None, command, env_overrides={"A": "1"})
        assert isinstance(same, StdioPlan)
        assert prespawned.spawner(same) is prespawned.process
        prespawned.process.kill()

    other = prespawn(["inspect"], command)
    assert other is not None
    different = resolve_target(None, command, env_overrides={"A": "2"})
    assert isinstance(different, StdioPlan)
    with other.spawner(different) as replacement:
        assert replacement is not other.process
        assert other.process.wait(10) is not None  # the unadopted one was stopped
        replacement.kill()


def test_an_unadopted_process_is_stopped_when_the_command_fails() -> None:
    prespawned = prespawn(["inspect"], [sys.executable, str(SERVERS / "never_answers.py")])
    assert prespawned is not None
    prespawned.discard()
    assert prespawned.process.wait(10) is not None


@pytest.mark.parametrize("args", [["-q", "inspect"], ["inspect", "-q", "-v"], ["inspect", "--quiet", "--verbose"]])
def test_quiet_and_verbose_on_either_side_of_the_command_still_prespawn(args: list[str]) -> None:
    prespawned = prespawn(args, [sys.executable, str(SERVERS / "never_answers.py")])
    assert prespawned is not None
    prespawned.discard()
    assert prespawned.process.wait(10) is not None


def test_the_server_is_spawned_before_typer_pydantic_or_the_sdk_load() -> None:
    # main() pre-spawns right after importing mcpship.cli: nothing slow may be loaded by then, so the server's
    # boot overlaps all of it.
    heavy = ("typer", "click", "rich", "pydantic", "anyio", "mcp", "mcp_types", "zipfile", "tarfile")
    code = f"import sys, mcpship.cli; print(sorted(m for m in {heavy!r} if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.strip() == "[]"
