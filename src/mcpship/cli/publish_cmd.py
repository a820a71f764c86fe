"""``mcpship publish``: take a built artifact from DIST to a channel (an OCI registry, an MCP registry)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from mcpship._exceptions import UsageError
from mcpship.cli._app import app
from mcpship.cli._options import JsonOption
from mcpship.cli._output import echo, json_result, quiet

if TYPE_CHECKING:
    from mcpship.channels import PushProgress
    from mcpship.channels.publish import OciDestination, RegistryDestination

_EPILOG = """Examples:

  mcpship publish dist --channel oci --to ghcr.io/acme/notes --username acme --password-stdin < token.txt
  mcpship publish --channel oci --to 127.0.0.1:5000/notes:latest      # a local registry, plain HTTP
  mcpship publish dist --channel oci --to registry.lan/notes --insecure --json
  mcpship publish --channel registry                  # dist/server.json, to the registry you logged in to
  mcpship publish server.json --channel registry --registry http://127.0.0.1:8080 --json
"""


class Channel(StrEnum):
    """Where ``publish`` can take an artifact; pypi and npm join here."""

    oci = "oci"
    registry = "registry"


@app.command(epilog=_EPILOG)
def publish(
    channel: Annotated[Channel, typer.Option("--channel", help="Where to publish.", show_choices=True)],
    to: Annotated[str | None, typer.Option("--to", help="oci: destination REGISTRY/NAME[:TAG] (required).")] = None,
    dist: Annotated[
        Path, typer.Argument(help="The build output folder (with mcpship-build.json); registry: or a server.json.")
    ] = Path("dist"),
    username: Annotated[str | None, typer.Option("--username", "-u", help="User name for the registry.")] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password or token from stdin.")
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
    as_json: JsonOption = False,
) -> None:
    """Publish a built artifact: push the OCI image (tag default: the artifact's version), or list server.json in
    an MCP registry (log in first: `mcpship login`)."""
    _check_channel_options(
        channel, to=to, username=username, secret=password_stdin, insecure=insecure, registry=registry
    )
    if password_stdin and username is None:
        raise UsageError("--password-stdin needs --username", hint="give the account name with --username")
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
    from mcpship.channels.publish import OciDestination, RegistryDestination

    if channel is Channel.oci:
        assert to is not None
        rendered = _publish_oci(OciDestination(to, username, password, insecure), dist, as_json)
    else:
        rendered = _publish_registry(RegistryDestination(registry), dist)
    summary = rendered.pop("summary")
    if as_json:
        json_result({"channel": channel.value, **rendered})
    else:
        echo(summary)  # may quote the registry's answer


def _check_channel_options(
    channel: Channel, *, to: str | None, username: str | None, secret: bool, insecure: bool, registry: str | None
) -> None:
    """Each channel's own options; one meant for another channel is an error, not silently ignored."""
    if channel is Channel.oci:
        if to is None:
            raise UsageError("--channel oci needs --to", hint="give the destination: --to REGISTRY/NAME[:TAG]")
        if registry is not None:
            raise UsageError("--registry is for --channel registry", hint="oci takes the destination in --to")
        return
    oci_only = (("--to", to), ("--username", username), ("--password-stdin", secret), ("--insecure", insecure))
    misplaced = [flag for flag, given in oci_only if given]
    if misplaced:
        raise UsageError(
            f"--channel registry does not take {', '.join(misplaced)}",
            hint="give the MCP registry with --registry URL; its token comes from `mcpship login`",
        )


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
