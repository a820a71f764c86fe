"""``mcpship spec``: print the resolved spec (after filling in pyproject.toml / package.json)."""

from __future__ import annotations

from pathlib import Path

from mcpship.cli._app import app
from mcpship.cli._options import JsonOption, ProjectDir
from mcpship.cli._output import json_result

_EPILOG = """Examples:

  mcpship spec examples/notes-node           # table, with where each derived value came from
  mcpship spec --json examples/notes-py | jq .result.version
"""


@app.command(epilog=_EPILOG)
def spec(
    directory: ProjectDir = Path(),
    as_json: JsonOption = False,
) -> None:
    """Validate and show the server's description, as every build target will read it."""
    from mcpship.spec import load_spec

    resolved = load_spec(directory)
    if as_json:
        json_result(resolved.spec.model_dump(mode="json", exclude_none=True))
        return
    from mcpship.cli.render import render_spec

    render_spec(resolved)
