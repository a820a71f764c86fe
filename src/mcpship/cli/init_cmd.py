"""``mcpship init``: write mcpship.toml from the project's metadata and a live probe."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mcpship.cli._app import State, app
from mcpship.cli._options import JsonOption, ProjectDir
from mcpship.cli._output import TerminalReporter, echo, json_result

_EPILOG = """Examples:

  mcpship init                 # in a project with pyproject.toml or package.json
                               # (the name comes from the git remote: io.github.OWNER/REPO)
  mcpship init ../my-server --no-probe
"""


@app.command(epilog=_EPILOG)
def init(
    ctx: typer.Context,
    directory: ProjectDir = Path(),
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing mcpship.toml.")] = False,
    probe: Annotated[bool, typer.Option("--probe/--no-probe", help="Start the server to check it speaks MCP.")] = True,
    as_json: JsonOption = False,
) -> None:
    """Describe a server: write mcpship.toml (never overwrites without --force)."""
    from mcpship.spec.init import init_project

    state = ctx.ensure_object(State)
    reporter = TerminalReporter(state.verbosity)
    try:
        outcome = init_project(directory, force=force, probe=probe, reporter=reporter)
    finally:
        reporter.close()
    if as_json:
        json_result(
            {
                "path": str(outcome.path),
                "name": outcome.spec.name,
                "version": outcome.spec.version,
                "tools": outcome.tools,
                "changed": [str(change) for change in outcome.changed],
                "notes": list(outcome.notes),
            }
        )
        return
    checked = f"; the server started and listed {outcome.tools} tools" if outcome.tools is not None else ""
    echo(f"wrote {outcome.path} for {outcome.spec.name} {outcome.spec.version}{checked}")
    for change in outcome.changed:
        echo(f"changed {change}")
    for note in outcome.notes:
        echo(f"note: {note}", err=True)
    echo("next: check the [[env]] entries and targets in it, then run `mcpship lock` and `mcpship build`")
