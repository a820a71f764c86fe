"""``mcpship diff OLD NEW``: classify every interface change between two versions by the semver bump it requires."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from mcpship._exceptions import UsageError
from mcpship.cli._app import app
from mcpship.cli._options import EnvOption, JsonOption, MaxMessageOption, TimeoutOption
from mcpship.cli._output import json_result
from mcpship.cli._probing import probing

if TYPE_CHECKING:
    from mcpship.interface.semver import Classification, Severity

_EPILOG = """Examples:

  mcpship diff git:v1.0.0 .                          # the lock at tag v1.0.0 against the live project here
  mcpship diff old/mcp-interface.json mcp-interface.json
  mcpship diff git:main:servers/notes servers/notes  # a project in a subfolder of the repository
  mcpship diff pypi:mcp-server-time==2025.8.4 pypi:mcp-server-time   # two published releases
  mcpship diff git:v1.0.0 . --fail-on major          # exit 15 when a change requires a major bump
  mcpship diff git:v1.0.0 . --json | jq -r .result.bump
"""


class FailOn(StrEnum):
    major = "major"
    review = "review"
    minor = "minor"
    patch = "patch"


@app.command(epilog=_EPILOG)
def diff(
    ctx: typer.Context,
    old: Annotated[
        str,
        typer.Argument(
            help="The old side: a lock file (*.json), git:REF[:FOLDER], a project folder, pypi:NAME==VER, "
            "npm:NAME@VER, a wheel or a URL."
        ),
    ],
    new: Annotated[str, typer.Argument(help="The new side, in any of the same forms.")],
    fail_on: Annotated[
        FailOn | None,
        typer.Option(
            "--fail-on",
            help="Exit 13 when a change reaches this level: major; review (major or needs review); minor; patch "
            "(any change). Without it the report always exits 0.",
        ),
    ] = None,
    severity: Annotated[
        list[str] | None,
        typer.Option(
            "--severity",
            metavar="RULE=LEVEL",
            help="Count a rule's changes at another level (patch, minor, major); repeatable.",
        ),
    ] = None,
    env: EnvOption = None,
    timeout: TimeoutOption = 60.0,
    max_message_mib: MaxMessageOption = 4,
    as_json: JsonOption = False,
) -> None:
    """Classify the interface changes between two versions (lock, git ref, folder or package) by semver bump."""
    from mcpship.interface.sides import check_fail_on, diff_interfaces

    with probing(ctx, "diff", env=env, timeout=timeout, max_message_mib=max_message_mib) as probe:
        result = diff_interfaces(old, new, overrides=_overrides(severity or []), **probe.kwargs())
    classification = result.classification
    if as_json:
        json_result(
            {
                "old": result.old.source,
                "new": result.new.source,
                "bump": classification.bump,
                "changes": [change.to_json() for change in classification.changes],
            }
        )
    else:
        _render(classification)
    check_fail_on(classification, fail_on.value if fail_on else None)


def _overrides(assignments: list[str]) -> dict[str, Severity]:
    overrides: dict[str, Severity] = {}
    for assignment in assignments:
        rule, sep, level = assignment.partition("=")
        if not sep:
            raise UsageError(
                f"--severity {assignment!r} is not RULE=LEVEL",
                hint="write e.g. --severity annotation.openWorldHint.weakened=minor",
            )
        overrides[rule.strip()] = level.strip()  # type: ignore[assignment]  # classify() checks the level
    return overrides


def _render(classification: Classification) -> None:
    from rich.table import Table

    from mcpship.cli._output import console, echo
    from mcpship.cli._terminal import cell
    from mcpship.interface.render import bump_sentence, item_label

    if classification.changes:
        table = Table(show_lines=False)
        for column in ("severity", "rule", "item", "path", "message"):
            table.add_column(column, overflow="fold")
        for change in classification.changes:
            style = {"major": "red", "minor": "yellow", "patch": "green"}[change.severity]
            level = cell(change.severity, style=style)
            if change.review:
                level = cell(f"{change.severity} · needs review", style=f"bold {style} reverse")
            table.add_row(level, cell(change.rule), cell(item_label(change)), cell(change.path), cell(change.message))
        console().print(table)
    echo(bump_sentence(classification))
