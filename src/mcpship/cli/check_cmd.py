"""``mcpship check``: the CI gate over the spec, the interface lock and the version places."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from mcpship.cli._app import State, app
from mcpship.cli._options import EnvOption, JsonOption, MaxMessageOption, ProjectDir, TimeoutOption
from mcpship.cli._output import entry, json_problem, json_result
from mcpship.cli._probing import probing

if TYPE_CHECKING:
    from mcpship.pipeline.check import CheckReport

_EPILOG = """Examples:

  mcpship check examples/notes-node          # spec valid, lock current, versions in sync; exit 14 if not
  mcpship check --json . | jq '.result.gates[] | select(.status == "failed")'
"""


@app.command(epilog=_EPILOG)
def check(
    ctx: typer.Context,
    directory: ProjectDir = Path(),
    env: EnvOption = None,
    timeout: TimeoutOption = 60.0,
    max_message_mib: MaxMessageOption = 4,
    as_json: JsonOption = False,
) -> None:
    """Run every release gate: spec valid, interface lock current, version the same everywhere (exit 14 if not)."""
    from mcpship.pipeline.check import check_project

    with probing(ctx, "check", env=env, timeout=timeout, max_message_mib=max_message_mib) as probe:
        report = check_project(directory, **probe.kwargs())
    state = probe.state
    if as_json:
        json_result(_payload(report))
        _json_problems(report, state)
    else:
        _render(report)
    if not report.ok:
        raise report.error()


def _payload(report: CheckReport) -> dict[str, Any]:
    return {
        "directory": str(report.root),
        "ok": report.ok,
        "gates": [
            {
                "name": gate.name,
                "status": gate.status,
                "summary": gate.summary,
                "kind": type(gate.error).__name__ if gate.error else None,
                "exitCode": gate.error.exit_code if gate.error else None,
            }
            for gate in report.gates
        ],
    }


def _json_problems(report: CheckReport, state: State) -> None:
    """Each failing gate's findings (with their file and field) or its error, as problems; the gate's error class
    and exit code are in ``result.gates`` (only the error that ends the command carries a kind in ``problems``)."""
    for gate in report.failed:
        if gate.problems:
            for problem in gate.problems:
                json_problem(problem)
        elif gate.error is not None:
            state.problems.append(entry(gate.error.message, hint=gate.error.hint, path=gate.name))


_SHOWN = {"passed": "ok", "failed": "FAILED", "skipped": "skipped"}


def _render(report: CheckReport) -> None:
    from rich.table import Table

    from mcpship.cli._output import console
    from mcpship.cli._terminal import cell

    table = Table()
    for column in ("check", "result", "detail"):
        table.add_column(column)
    for gate in report.gates:
        table.add_row(
            gate.name, {"passed": "ok", "failed": "FAILED", "skipped": "skipped"}[gate.status], cell(gate.summary)
        )
    console().print(table)
