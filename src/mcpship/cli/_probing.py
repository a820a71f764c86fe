"""What every command that probes the project's server takes from its options: the child's environment, the
timeout, the message-size bound, the pre-spawned server and a reporter that is closed however the probe ends."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import typer

from mcpship._exceptions import UsageError
from mcpship.cli._app import State
from mcpship.cli._output import TerminalReporter

if TYPE_CHECKING:
    from mcpship.probe import ProbeLimits

__all__ = ["Probing", "probing"]


@dataclass(frozen=True)
class Probing:
    state: State
    reporter: TerminalReporter
    env: dict[str, str]
    timeout: float
    limits: ProbeLimits

    def kwargs(self) -> dict[str, Any]:
        """The keyword arguments the library's probing calls (lock, check, diff) take."""
        return {
            "env": self.env,
            "timeout": self.timeout,
            "reporter": self.reporter,
            "spawner": self.state.spawner,
            "limits": self.limits,
        }


@contextmanager
def probing(
    ctx: typer.Context, verb: str, *, env: list[str] | None, timeout: float, max_message_mib: int
) -> Iterator[Probing]:
    from mcpship.probe import ProbeLimits
    from mcpship.probe.environment import parse_env_assignments
    from mcpship.probe.limits import MIB

    state = ctx.ensure_object(State)
    if state.passthrough:
        raise UsageError(f"{verb} takes no arguments after --", hint="pass server settings with --env KEY=VALUE")
    settings = parse_env_assignments(env or [])
    reporter = TerminalReporter(state.verbosity)
    try:
        yield Probing(state, reporter, settings, timeout, ProbeLimits(max_message_bytes=max_message_mib * MIB))
    finally:
        reporter.close()
