"""``mcpship inspect``: start or reach a server and show everything it offers."""

from __future__ import annotations

import typer

from mcpship.cli._app import State, app
from mcpship.cli._output import TerminalReporter, print_json

_EPILOG = """Examples:

  mcpship inspect examples/notes-py                  # a project folder (its spec says how to start it)
  mcpship inspect -- python -m notes_mcp             # any command that speaks MCP over stdio
  mcpship inspect http://127.0.0.1:8000/mcp          # a running Streamable HTTP server
  mcpship inspect dist/notes-0.1.0-py3-none-any.whl  # a wheel, run through uvx
  mcpship inspect pypi:mcp-server-time               # a PyPI package, run through uvx
  mcpship inspect npm:@scope/server@1.2.0            # an npm package, run through npx -y
  mcpship inspect pypi:mcp-server-time -- --local-timezone UTC   # server arguments after --
  mcpship inspect --json examples/notes-py | jq '.tools[].name'
"""


@app.command(epilog=_EPILOG)
def inspect(
    ctx: typer.Context,
    target: str | None = typer.Argument(
        None, help="Project folder, URL, wheel, pypi:NAME[==VER] or npm:NAME[@VER]; omit it to run the command after --."
    ),
    env: list[str] = typer.Option([], "--env", "-e", help="Set a variable for the server: KEY=VALUE (repeatable)."),
    inherit_env: bool = typer.Option(
        False, "--inherit-env", help="Pass mcpship's whole environment (default: a safe base set plus declared vars)."
    ),
    script: str | None = typer.Option(
        None, "--script", help="Console script / npm bin to run when a package has several."
    ),
    timeout: float = typer.Option(60.0, "--timeout", min=0.1, help="Seconds to wait for the server's answers."),
    as_json: bool = typer.Option(False, "--json", help="Print the interface as JSON (MCP wire format)."),
) -> None:
    """Show a server's info, capabilities, tools, prompts, resources and resource templates, live over MCP.

    Speaks MCP 2026-07-28 (server/discover) and falls back to the 2025-11-25 initialize handshake.
    """
    from mcpship.probe import inspect_server
    from mcpship.probe.environment import parse_env_assignments

    state = ctx.ensure_object(State)
    reporter = TerminalReporter(state.verbosity)
    reporter.step(f"connecting to {target or ' '.join(state.passthrough)}")
    try:
        snapshot = inspect_server(
            target,
            state.passthrough,
            env=parse_env_assignments(env),
            inherit_env=inherit_env,
            script=script,
            timeout=timeout,
            reporter=reporter,
        )
    finally:
        reporter.close()
    if as_json:
        print_json(snapshot.to_json())
        return
    from mcpship.cli.render import render_snapshot

    render_snapshot(snapshot)
