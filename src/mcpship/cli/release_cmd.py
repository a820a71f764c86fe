"""``mcpship release``: check, bump, lock, commit, build, verify, publish and tag in one resumable run."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from mcpship._exceptions import UsageError
from mcpship.cli._app import State, app
from mcpship.cli._options import (
    IndexUrlOption,
    JsonOption,
    NpmRegistryOption,
    NpmTagOption,
    RepositoryUrlOption,
    TimeoutOption,
)
from mcpship.cli._output import TerminalReporter, echo, json_result

if TYPE_CHECKING:
    from mcpship.pipeline.release import Level, ReleaseOutcome
    from mcpship.versioning import PreLabel

ConfigOption = Annotated[
    list[str] | None,
    typer.Option("--config", "-c", help="A user setting for the server: KEY=VALUE (env var or MCPB user_config key)."),
]

_EPILOG = """Examples:

  mcpship release minor --dry-run                    # what would happen: 0.1.0 -> 0.2.0, the steps, the channels
  MCPSHIP_PYPI_TOKEN=pypi-… NPM_TOKEN=… mcpship release minor --to ghcr.io/acme/notes
  mcpship release patch --pre rc --channel pypi      # 0.2.1-rc.1 to PyPI only
  mcpship release minor --project examples/notes-py --repository-url http://127.0.0.1:8080/ \\
      --to 127.0.0.1:5000/notes --registry http://127.0.0.1:8090 --json
  mcpship release --resume                           # after fixing what stopped it: same version, same channels
"""


@app.command(epilog=_EPILOG)
def release(
    ctx: typer.Context,
    level: Annotated[
        str | None,
        typer.Argument(metavar="major|minor|patch|auto", help="The part of the version to bump (not with --resume)."),
    ] = None,
    project: Annotated[Path, typer.Option("--project", help="The project folder.")] = Path(),
    pre: Annotated[
        str | None,
        typer.Option("--pre", metavar="alpha|beta|rc", help="Release a pre-release (0.4.0-rc.1)."),
    ] = None,
    channel: Annotated[
        str | None,
        typer.Option(
            "--channel",
            help="Publish to only these (comma-separated) of the channels the targets imply: pypi, npm, oci,"
            " github-release, registry.",
        ),
    ] = None,
    resume: Annotated[
        bool, typer.Option("--resume", help="Continue the unfinished release from its first unfinished step.")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check and show the version, steps and channels; change nothing.")
    ] = False,
    commit: Annotated[
        bool, typer.Option("--commit/--no-commit", help="Commit the version files and lock (no commit: no tag).")
    ] = True,
    tag: Annotated[bool, typer.Option("--tag/--no-tag", help="Tag the release commit v{version} (annotated).")] = True,
    force: Annotated[
        bool,
        typer.Option("--force", help="Bump as asked even when the interface changes since the last tag need more."),
    ] = False,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Build folder (default: DIR/dist).")] = None,
    to: Annotated[str | None, typer.Option("--to", help="oci: destination REGISTRY/NAME[:TAG].")] = None,
    insecure: Annotated[bool, typer.Option("--insecure", help="oci: plain HTTP to a non-local registry.")] = False,
    repository_url: RepositoryUrlOption = None,
    index_url: IndexUrlOption = None,
    npm_registry: NpmRegistryOption = None,
    npm_tag: NpmTagOption = None,
    registry: Annotated[
        str | None,
        typer.Option(
            "--registry", help="registry: the MCP registry's URL (default: $MCPSHIP_REGISTRY, else your last login)."
        ),
    ] = None,
    config: ConfigOption = None,
    timeout: TimeoutOption = 180.0,
    as_json: JsonOption = False,
) -> None:
    """Release the project: check, bump, lock, commit, build, verify, publish, tag; stops at the first failure and
    continues with --resume."""
    from dataclasses import replace

    from mcpship.channels.publish import (
        NpmDestination,
        OciDestination,
        PublishOptions,
        PypiDestination,
        RegistryDestination,
    )
    from mcpship.pipeline.release import ReleaseRequest, release_project
    from mcpship.probe.environment import parse_env_assignments

    pypi = PypiDestination(index_url=index_url)
    if repository_url is not None:
        pypi = replace(pypi, repository_url=repository_url)
    options = PublishOptions(
        pypi=pypi,
        npm=NpmDestination(npm_registry, npm_tag),
        oci=OciDestination(to, insecure=insecure) if to is not None else None,
        registry=RegistryDestination(registry),
    )
    channels = None if channel is None else [name.strip() for name in channel.split(",") if name.strip()]
    request = ReleaseRequest(
        level=_level(level),
        pre=_pre_label(pre),
        channels=channels,
        options=options,
        resume=resume,
        dry_run=dry_run,
        commit=commit,
        tag=tag,
        force=force,
        outdir=out,
        config=parse_env_assignments(config or []),
        timeout=timeout,
    )
    reporter = TerminalReporter(ctx.ensure_object(State).verbosity)
    try:
        outcome = release_project(project, request, reporter=reporter)
    finally:
        reporter.close()
    json_result(_payload(outcome))
    if not as_json:
        _render(outcome)
    if outcome.error is not None:
        raise outcome.error


def _level(text: str | None) -> Level | None:
    if text is None:
        return None
    if text in ("major", "minor", "patch", "auto"):
        return text  # type: ignore[return-value]
    raise UsageError(f"unknown release level {text!r}", hint="use major, minor, patch or auto: mcpship release minor")


def _pre_label(text: str | None) -> PreLabel | None:
    if text is None:
        return None
    if text in ("alpha", "beta", "rc"):
        return text  # type: ignore[return-value]
    raise UsageError(f"unknown pre-release label {text!r}", hint="use --pre alpha, --pre beta or --pre rc")


def _payload(outcome: ReleaseOutcome) -> dict[str, Any]:
    return {
        "directory": str(outcome.root),
        "previous": outcome.previous,
        "version": outcome.version,
        "tag": outcome.tag,
        "resumed": outcome.resumed,
        "dryRun": outcome.dry_run,
        "channels": outcome.channels,
        "steps": [{"step": step.step, "status": step.status, "detail": step.detail} for step in outcome.steps],
        "published": [
            {"channel": row.channel, "name": row.name, "status": row.status, "url": row.url}
            for row in outcome.published
        ],
        "stateFile": None if outcome.state_file is None else str(outcome.state_file),
    }


def _render(outcome: ReleaseOutcome) -> None:
    from rich.table import Table

    from mcpship.cli._output import console
    from mcpship.cli._terminal import cell

    title = f"release {outcome.previous} -> {outcome.version}"
    if outcome.dry_run:
        title += " (dry run: nothing changed)"
    steps = Table(title=cell(title), title_justify="left")
    for column in ("step", "status", "detail"):
        steps.add_column(column, overflow="fold")
    for step in outcome.steps:
        steps.add_row(cell(step.step), cell(step.status), cell(step.detail))
    console().print(steps)
    if outcome.published:
        published = Table()
        for column in ("channel", "status", "what", "url"):
            published.add_column(column, overflow="fold")
        for row in outcome.published:
            published.add_row(cell(row.channel), cell(row.status), cell(row.name), cell(row.url))
        console().print(published)
    if outcome.error is None and not outcome.dry_run:
        echo(f"released {outcome.version}")
