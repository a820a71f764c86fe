"""``mcpship ci init --github``: write a release workflow for the project's CI."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mcpship._exceptions import UsageError
from mcpship.cli._app import app
from mcpship.cli._options import JsonOption, ProjectDir
from mcpship.cli._output import echo, json_result

__all__ = ["ci_app"]

ci_app = typer.Typer(
    name="ci",
    help="Set up continuous integration: a release workflow that verifies, then publishes on a version tag.",
    no_args_is_help=True,
)
app.add_typer(ci_app, name="ci")

_INIT_EPILOG = """Examples:

  mcpship ci init --github                      # .github/workflows/release.yml at the git repository's root
  mcpship ci init --github examples/notes-py    # a project in a subfolder: its jobs run there
  mcpship ci init --github --force --json       # write it again from the spec
"""


@ci_app.command("init", epilog=_INIT_EPILOG)
def init(
    directory: ProjectDir = Path(),
    github: Annotated[bool, typer.Option("--github", help="Write a GitHub Actions workflow (the only CI today).")] = (
        False
    ),
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing workflow file.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Write .github/workflows/release.yml: on a version tag, build and verify, then publish every enabled channel.

    The channels are those the spec enables: PyPI (trusted publishing), npm (with provenance), the image (GHCR),
    the MCPB bundles (the GitHub release) and server.json (the MCP registry). An existing file is kept unless
    --force."""
    if not github:
        raise UsageError("name the CI to set up", hint="mcpship ci init --github (GitHub Actions, the only one today)")
    from mcpship.ci import init_github_workflow

    outcome = init_github_workflow(directory, force=force)
    if as_json:
        json_result(
            {
                "path": str(outcome.path),
                "channels": list(outcome.channels),
                "replaced": outcome.replaced,
                "notes": list(outcome.notes),
            }
        )
        return
    verb = "replaced" if outcome.replaced else "wrote"
    echo(f"{verb} {outcome.path}: build and verify, then publish to {', '.join(outcome.channels) or 'nothing'}")
    for note in outcome.notes:
        echo(f"note: {note}", err=True)
    echo("next: commit it, then push a version tag: git tag v1.2.0 && git push origin v1.2.0")
