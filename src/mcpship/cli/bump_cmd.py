"""``mcpship bump``: write the next version to every place the project's version lives."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer

from mcpship._exceptions import UsageError
from mcpship.cli._app import app
from mcpship.cli._options import JsonOption, ProjectDir
from mcpship.cli._output import json_result

if TYPE_CHECKING:
    from mcpship.versioning import BumpLevel, BumpPlan, PreLabel

_EPILOG = """Examples:

  mcpship bump minor examples/notes-py             # 0.1.0 -> 0.2.0 in pyproject.toml and __init__.py
  mcpship bump minor --pre rc --dry-run .          # show 0.2.0-rc.1 (0.2.0rc1 in Python files), write nothing
  mcpship bump patch --from 0.3.0 .                # the places disagree: bump from 0.3.0 and sync them all
  mcpship bump auto .                              # the level the interface changes since the last tag require

With a release tag (v1.2.0) whose mcp-interface.json is committed, every bump compares that lock with the live
server: `auto` takes the level the changes require (under 0.x a breaking change bumps the minor), and an explicit
level that is too small is refused with the rule ids (exit 15; `--force` bumps anyway).
"""

_LEVELS = ("major", "minor", "patch")
_LABELS = ("alpha", "beta", "rc")


@app.command(epilog=_EPILOG)
def bump(
    level: Annotated[
        str,
        typer.Argument(
            metavar="major|minor|patch|auto",
            help="Which part of the version to bump; auto: what the interface changes since the last tag require.",
        ),
    ],
    directory: ProjectDir = Path(),
    pre: Annotated[
        str | None,
        typer.Option("--pre", metavar="alpha|beta|rc", help="Make the new version a pre-release (0.4.0-rc.1)."),
    ] = None,
    from_version: Annotated[
        str | None,
        typer.Option(
            "--from",
            metavar="VERSION",
            help="Bump from this version, and write the result to every place even where they disagree now.",
        ),
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would change; write nothing.")] = False,
    force: Annotated[
        bool,
        typer.Option("--force", help="Bump as asked even when the interface changes since the last tag need more."),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Write the next version everywhere the project's version lives, keeping each file's formatting."""
    from mcpship.versioning import bump_project

    plan = bump_project(
        directory,
        _requested_level(level),
        pre=_pre_label(pre),
        from_version=from_version,
        dry_run=dry_run,
        check_interface=not force,
    )
    if as_json:
        json_result(_payload(plan))
        return
    _render(plan, dry_run=dry_run)


def _requested_level(text: str) -> BumpLevel | Literal["auto"]:
    if text == "auto":
        return "auto"
    if text == "major":
        return "major"
    if text == "minor":
        return "minor"
    if text == "patch":
        return "patch"
    raise UsageError(f"unknown bump level {text!r}", hint="use major, minor, patch or auto, e.g. `mcpship bump minor`")


def _pre_label(text: str | None) -> PreLabel | None:
    if text is None:
        return None
    if text == "alpha":
        return "alpha"
    if text == "beta":
        return "beta"
    if text == "rc":
        return "rc"
    raise UsageError(f"unknown pre-release label {text!r}", hint="use --pre alpha, --pre beta or --pre rc")


def _payload(plan: BumpPlan) -> dict[str, Any]:
    return {
        "directory": str(plan.root),
        "current": str(plan.current),
        "new": str(plan.new),
        "tag": plan.tag,
        "written": plan.written,
        "interface": plan.interface,
        "places": [
            {
                "file": change.place.relative(plan.root),
                "field": change.place.field,
                "scheme": change.place.scheme,
                "old": change.old,
                "new": change.new,
            }
            for change in plan.changes
        ],
    }


def _render(plan: BumpPlan, *, dry_run: bool) -> None:
    from rich.table import Table

    from mcpship.cli._output import console, echo
    from mcpship.cli._terminal import cell
    from mcpship.versioning.bump import describe_new

    table = Table()
    for column in ("file", "field", "old", "new"):
        table.add_column(column)
    for change in plan.changes:
        old = change.old if change.old is not None else ""
        table.add_row(
            cell(change.place.relative(plan.root)),
            cell(change.place.field),
            cell(old),
            cell(describe_new(change, plan)),
        )
    console().print(table)
    if plan.interface is not None:
        echo(plan.interface)
    if dry_run:
        echo(f"dry run: {plan.current} -> {plan.new}, nothing written")
    else:
        echo(f"bumped {plan.current} -> {plan.new}; commit and tag it as {plan.tag}")
