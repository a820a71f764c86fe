"""``mcpship inspect``: start or reach a server and show everything it offers."""

from __future__ import annotations

from typing import Annotated

import typer

from mcpship.cli._app import State, app
from mcpship.cli._options import EnvOption, JsonOption, MaxMessageOption, TimeoutOption
from mcpship.cli._output import TerminalReporter, json_result

_EPILOG = """Examples:

  mcpship inspect examples/notes-py                  # a project folder (its spec says how to start it)
  mcpship inspect -- python -m notes_mcp             # any command that speaks MCP over stdio
  mcpship inspect http://127.0.0.1:8000/mcp          # a running Streamable HTTP server
  mcpship inspect dist/notes-0.1.0-py3-none-any.whl  # a wheel, run through uvx
  mcpship inspect pypi:mcp-server-time               # a PyPI package, run through uvx
  mcpship inspect npm:@scope/server@1.2.0            # an npm package, run through npx -y
  mcpship inspect pypi:mcp-server-time -- --local-timezone UTC   # server arguments after --
  mcpship inspect --json examples/notes-py | jq '.result.tools[].name'
"""


@app.command(epilog=_EPILOG)
def inspect(
    ctx: typer.Context,
    target: Annotated[
        str | None,
        typer.Argument(
            help="Project folder, URL, wheel, pypi:NAME[==VER|@VER] or npm:NAME[@VER];"
            " omit it to run the command after --."
        ),
    ] = None,
    env: EnvOption = None,
    inherit_env: Annotated[
        bool,
        typer.Option(
            "--inherit-env", help="Pass mcpship's whole environment (default: a safe base set plus declared vars)."
        ),
    ] = False,
    script: Annotated[
        str | None, typer.Option("--script", help="Console script / npm bin to run when a package has several.")
    ] = None,
    timeout: TimeoutOption = 60.0,
    max_message_mib: MaxMessageOption = 4,
    as_json: JsonOption = False,
) -> None:
    """Show a server's info, capabilities, tools, prompts, resources and resource templates, live over MCP.

    Speaks MCP 2026-07-28 (server/discover) and falls back to the 2025-11-25 initialize handshake.
    """
    from mcpship.probe import ProbeLimits, inspect_server
    from mcpship.probe.environment import parse_env_assignments
    from mcpship.probe.limits import MIB

    state = ctx.ensure_object(State)
    reporter = TerminalReporter(state.verbosity)
    reporter.step(f"connecting to {target or ' '.join(state.passthrough)}")
    try:
        snapshot = inspect_server(
            target,
            state.passthrough,
            env=parse_env_assignments(env or []),
            inherit_env=inherit_env,
            script=script,
            timeout=timeout,
            reporter=reporter,
            spawner=state.spawner,
            limits=ProbeLimits(max_message_bytes=max_message_mib * MIB),
        )
    finally:
        reporter.close()
    if as_json:
        json_result(snapshot.to_json())
        return
    from mcpship.cli.render import render_snapshot

    render_snapshot(snapshot)
