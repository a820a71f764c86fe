"""``mcpship lock``: record the live interface in mcp-interface.json, or check it has not drifted."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mcpship.cli._app import app
from mcpship.cli._options import EnvOption, JsonOption, MaxMessageOption, ProjectDir, TimeoutOption
from mcpship.cli._output import echo, json_result
from mcpship.cli._probing import probing

_EPILOG = """Examples:

  mcpship lock examples/notes-py            # write examples/notes-py/mcp-interface.json
  mcpship lock --check examples/notes-py    # exit 7 if the live server changed: each change, its semver rule and
                                            # the bump it requires
"""


@app.command(epilog=_EPILOG)
def lock(
    ctx: typer.Context,
    directory: ProjectDir = Path(),
    check: Annotated[
        bool, typer.Option("--check", help="Do not write; fail with a diff if the live interface differs.")
    ] = False,
    env: EnvOption = None,
    timeout: TimeoutOption = 60.0,
    max_message_mib: MaxMessageOption = 4,
    as_json: JsonOption = False,
) -> None:
    """Probe the project's server and write its interface lock (canonical JSON, SHA-256 per item)."""
    from mcpship.interface.project import lock_project
    from mcpship.interface.render import bump_sentence, describe_changes, describe_classification

    with probing(ctx, "lock", env=env, timeout=timeout, max_message_mib=max_message_mib) as probe:
        probe.reporter.step(f"probing {directory}")
        outcome = lock_project(directory, check=check, **probe.kwargs())
    if as_json:
        json_result(
            {
                "path": str(outcome.path),
                "digest": outcome.lock.digest,
                "written": outcome.written,
                "changes": [{"kind": c.kind, "key": c.key, "change": c.change} for c in outcome.changes],
                "bump": outcome.classification.bump,
                "classified": [change.to_json() for change in outcome.classification.changes],
            }
        )
        return
    counts = ", ".join(f"{len(outcome.lock.items(kind))} {kind}" for kind in ("tools", "prompts", "resources"))
    if check:
        echo(f"{outcome.path}: up to date ({counts}; {outcome.lock.digest[:19]}…)")
    elif outcome.written:
        echo(f"wrote {outcome.path} ({counts}; {outcome.lock.digest[:19]}…)")
        if outcome.changes:
            echo(describe_classification(outcome.classification))  # tool names and values from the server
            echo(describe_changes(outcome.changes))
            echo(f"the change {bump_sentence(outcome.classification)}")
    else:
        echo(f"{outcome.path}: unchanged ({counts})")
