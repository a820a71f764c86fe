"""``mcpship publish``: take a build from DIST to channels (a PyPI index, an npm registry, an OCI registry, an MCP
registry)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from mcpship._exceptions import UsageError
from mcpship.cli._app import app
from mcpship.cli._options import IndexUrlOption, JsonOption, NpmRegistryOption, NpmTagOption, RepositoryUrlOption
from mcpship.cli._output import echo, json_result, quiet

if TYPE_CHECKING:
    from mcpship.channels import PushProgress
    from mcpship.channels.publish import OciDestination, PublishOptions, PublishRun, RegistryDestination

_EPILOG = """Examples:

  MCPSHIP_PYPI_TOKEN=pypi-… mcpship publish --channel pypi           # dist/*.whl + *.tar.gz to PyPI
  mcpship publish --channel pypi,npm,oci,registry --to ghcr.io/acme/notes --dry-run
  mcpship publish --channel pypi --repository-url http://127.0.0.1:8080/ -u __token__ --password-stdin < token.txt
  NPM_TOKEN=… mcpship publish --channel npm --npm-registry http://127.0.0.1:4873/ --json
  mcpship publish dist --channel oci --to ghcr.io/acme/notes --username acme --password-stdin < token.txt
  mcpship publish --channel oci --to 127.0.0.1:5000/notes:latest      # a local registry, plain HTTP
  mcpship publish --channel registry                  # dist/server.json, to the registry you logged in to
  GITHUB_TOKEN=... mcpship publish --channel github-release --dry-run   # the bundles server.json points at
  mcpship publish server.json --channel registry --registry http://127.0.0.1:8080 --json
"""

_SECRET_CHANNELS = ("oci", "pypi")  # the channels --username / --password-stdin speak for


@app.command(epilog=_EPILOG)
def publish(
    channel: Annotated[
        str,
        typer.Option(
            "--channel",
            help="Where to publish, comma-separated: pypi, npm, oci, github-release, registry (run in that order:"
            " packages first, the MCP registry last). github-release takes $GITHUB_TOKEN (or $GH_TOKEN).",
        ),
    ],
    to: Annotated[str | None, typer.Option("--to", help="oci: destination REGISTRY/NAME[:TAG] (required).")] = None,
    dist: Annotated[
        Path, typer.Argument(help="The build output folder (with mcpship-build.json); registry: or a server.json.")
    ] = Path("dist"),
    username: Annotated[
        str | None, typer.Option("--username", "-u", help="oci or pypi: user name (pypi default: __token__).")
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="oci or pypi: read the password or token from stdin.")
    ] = False,
    insecure: Annotated[bool, typer.Option("--insecure", help="Allow plain HTTP to a non-local registry.")] = False,
    registry: Annotated[
        str | None,
        typer.Option(
            "--registry",
            help="registry: the MCP registry's URL (default: $MCPSHIP_REGISTRY, else that of your last"
            " `mcpship login`, else the official registry).",
        ),
    ] = None,
    repository_url: RepositoryUrlOption = None,
    index_url: IndexUrlOption = None,
    npm_registry: NpmRegistryOption = None,
    npm_tag: NpmTagOption = None,
    provenance: Annotated[
        bool | None,
        typer.Option("--provenance/--no-provenance", help="npm: provenance (default: on in GitHub Actions)."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Look up what each channel holds and say what would be sent.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Publish a build to one or more channels: wheel and sdist to a PyPI index, the tarball to an npm registry,
    the OCI image (tag default: the artifact's version), the MCPB bundles to the GitHub release server.json points
    at, server.json to an MCP registry (`mcpship login` first).
    What a channel already holds is skipped (a different file under the same version is an error), so a rerun
    after a failure continues where it stopped."""
    channels = [name.strip() for name in channel.split(",") if name.strip()]
    _check_channel_options(
        channels,
        to=to,
        username=username,
        secret=password_stdin,
        insecure=insecure,
        registry=registry,
        pypi=(("--repository-url", repository_url), ("--index-url", index_url)),
        npm=(("--npm-registry", npm_registry), ("--npm-tag", npm_tag), ("--provenance", provenance is not None)),
    )
    if password_stdin and username is None and "pypi" not in channels:
        raise UsageError("--password-stdin needs --username", hint="give the account name with --username")
    if "pypi" in channels and username is not None and not password_stdin:
        raise UsageError(
            "--username for --channel pypi needs --password-stdin",
            hint="pipe the password in (--password-stdin), or drop --username to use $MCPSHIP_PYPI_TOKEN",
        )
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
    if password == "":
        raise UsageError("--password-stdin read an empty line", hint="pipe the password or token in: ... < token.txt")
    from mcpship.channels.publish import OciDestination, RegistryDestination

    oci = OciDestination(to, username, password, insecure) if to is not None else None
    if channels in (["oci"], ["registry"]) and not dry_run:  # one channel: its own detailed answer, as before
        if oci is not None:
            rendered = _publish_oci(oci, dist, as_json)
        else:
            rendered = _publish_registry(RegistryDestination(registry), dist)
        summary = rendered.pop("summary")
        if as_json:
            json_result({"channel": channels[0], **rendered})
        else:
            echo(summary)  # may quote the registry's answer
        return
    from mcpship.channels.publish import NpmDestination, PublishOptions, PypiDestination

    pypi = PypiDestination(index_url=index_url, username=username if "pypi" in channels else None)
    if repository_url is not None:
        pypi = replace(pypi, repository_url=repository_url)
    if "pypi" in channels and password is not None:
        pypi = replace(pypi, password=password)
    options = PublishOptions(
        pypi=pypi,
        npm=NpmDestination(npm_registry, npm_tag, provenance),
        oci=oci,
        registry=RegistryDestination(registry),
    )
    _publish_many(dist, channels, options, dry_run=dry_run, as_json=as_json)


def _check_channel_options(
    channels: list[str],
    *,
    to: str | None,
    username: str | None,
    secret: bool,
    insecure: bool,
    registry: str | None,
    pypi: tuple[tuple[str, object], ...],
    npm: tuple[tuple[str, object], ...],
) -> None:
    """Each channel's own options; one meant for a channel that is not run is an error, not silently ignored."""
    from mcpship.channels.publish import CHANNELS

    unknown = [name for name in channels if name not in CHANNELS]
    if unknown or not channels:
        raise UsageError(
            f"unknown channel(s) in --channel: {', '.join(unknown)}" if unknown else "--channel names no channel",
            hint=f"choose among {', '.join(CHANNELS)}, comma-separated (--channel pypi,npm)",
        )
    if "oci" in channels and to is None:
        raise UsageError("--channel oci needs --to", hint="give the destination: --to REGISTRY/NAME[:TAG]")
    if "oci" in channels and "pypi" in channels and (username is not None or secret):
        raise UsageError(
            "--username and --password-stdin are ambiguous with both oci and pypi",
            hint="publish the two in separate runs, or give PyPI's token in $MCPSHIP_PYPI_TOKEN",
        )
    owners: list[tuple[str, object, tuple[str, ...]]] = [
        ("--to", to, ("oci",)),
        ("--insecure", insecure, ("oci",)),
        ("--username", username, _SECRET_CHANNELS),
        ("--password-stdin", secret, _SECRET_CHANNELS),
        ("--registry", registry, ("registry",)),
        *((flag, value, ("pypi",)) for flag, value in pypi),
        *((flag, value, ("npm",)) for flag, value in npm),
    ]
    misplaced = [(flag, wanted) for flag, value, wanted in owners if value and not set(wanted) & set(channels)]
    if misplaced:
        flags = ", ".join(flag for flag, _ in misplaced)
        owners_text = "; ".join(f"{flag} is for --channel {' or '.join(wanted)}" for flag, wanted in misplaced)
        raise UsageError(f"--channel {','.join(channels)} does not take {flags}", hint=owners_text)


def _publish_many(dist: Path, channels: list[str], options: PublishOptions, *, dry_run: bool, as_json: bool) -> None:
    from mcpship.channels.publish import publish_channels

    with _progress(enabled=not as_json and not quiet()) as on_progress:
        run = publish_channels(dist, channels, options, dry_run=dry_run, progress=on_progress)
    json_result(
        {
            "channel": ",".join(result.channel for result in run.results),
            "dryRun": run.dry_run,
            "channels": [
                {
                    "channel": result.channel,
                    "status": result.status,
                    "items": [{"name": i.name, "status": i.status, "url": i.url} for i in result.items],
                    "error": None if result.error is None else result.error.message,
                }
                for result in run.results
            ],
        }
    )
    if not as_json:
        _render_run(run)
    failed = run.failure
    if failed is not None and failed.error is not None:
        error = failed.error
        error.message = f"{failed.channel}: {error.message}"
        error.args = (error.message,)
        rerun = "then rerun the same command: what is already published is skipped"
        error.hint = f"{error.hint}; {rerun}" if error.hint and "rerun" not in error.hint else error.hint or rerun
        raise error


def _render_run(run: PublishRun) -> None:
    from rich.table import Table

    from mcpship.cli._output import console
    from mcpship.cli._terminal import cell

    table = Table(title="Dry run: nothing was sent" if run.dry_run else None, title_justify="left")
    for column in ("channel", "status", "what", "url"):
        table.add_column(column, overflow="fold")
    for result in run.results:
        if not result.items:
            table.add_row(cell(result.channel), cell(result.status), "", "")
        for item in result.items:
            table.add_row(cell(result.channel), cell(item.status), cell(item.name), cell(item.url))
    console().print(table)


def _publish_oci(destination: OciDestination, dist: Path, as_json: bool) -> dict[str, Any]:
    from mcpship.channels.publish import publish_artifact

    with _progress(enabled=not as_json and not quiet()) as on_progress:
        outcome = publish_artifact(dist, destination, progress=on_progress)
    result = outcome.pushed
    sent = f"{result.blobs_uploaded} blob(s) uploaded ({_size(result.bytes_uploaded)})"
    return {
        "artifact": outcome.artifact.path.name,
        "reference": result.reference,
        "digest": result.digest,
        "tag": result.tag,
        "bytesUploaded": result.bytes_uploaded,
        "blobsUploaded": result.blobs_uploaded,
        "blobsSkipped": result.blobs_skipped,
        "blobsMounted": result.blobs_mounted,
        "summary": f"pushed {result.reference}\n  {sent}, {result.blobs_skipped} already there",
    }


def _publish_registry(destination: RegistryDestination, dist: Path) -> dict[str, Any]:
    from mcpship.channels.publish import publish_artifact

    outcome = publish_artifact(dist, destination)
    latest = "" if outcome.is_latest is None else (" (latest)" if outcome.is_latest else " (not the latest version)")
    return {
        "registry": outcome.registry,
        "name": outcome.name,
        "version": outcome.version,
        "isLatest": outcome.is_latest,
        "status": outcome.status,
        "response": outcome.response,
        "summary": f"published {outcome.name} {outcome.version} to {outcome.registry}{latest}",
    }


@contextmanager
def _progress(*, enabled: bool) -> Iterator[Callable[[PushProgress], None] | None]:
    """A transient Rich progress bar on an interactive stderr; nothing otherwise (CI logs, pipes, --json)."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn

    columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("pushing", total=None)

        def update(event: PushProgress) -> None:
            bar.update(task, completed=event.done, total=event.total, description=event.message)

        yield update


def _size(count: int) -> str:
    if count < 1024:
        return f"{count} B"
    if count < 1 << 20:
        return f"{count / 1024:.1f} KiB"
    return f"{count / (1 << 20):.1f} MiB"
