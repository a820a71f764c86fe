"""``mcpship publish``: take a built artifact from DIST to a channel (an OCI registry, an MCP registry)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from mcpship._exceptions import PublishError, UsageError
from mcpship.cli._app import app
from mcpship.cli._options import JsonOption
from mcpship.cli._output import echo, json_result, quiet

if TYPE_CHECKING:
    from mcpship.channels import PushProgress

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


@dataclass(frozen=True)
class PublishRequest:
    dist: Path
    to: str | None
    username: str | None
    password: str | None
    insecure: bool
    registry: str | None = None


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
            help="registry: the MCP registry's URL (default: that of your last `mcpship login`).",
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
    request = PublishRequest(
        dist=dist, to=to, username=username, password=password, insecure=insecure, registry=registry
    )
    outcome = _PUBLISHERS[channel](request, as_json)
    summary = outcome.pop("summary")
    if as_json:
        json_result({"channel": channel.value, **outcome})
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


def _publish_oci(request: PublishRequest, as_json: bool) -> dict[str, Any]:
    from mcpship.channels import parse_image_reference, push_oci_image
    from mcpship.pipeline.report import REPORT_FILE, read_report

    images = [a for a in read_report(request.dist) if a.kind == "oci"]
    if len(images) != 1:
        raise PublishError(
            f"{request.dist / REPORT_FILE} records {len(images) or 'no'} OCI image(s) (unchanged since the build)"
            + (f": {', '.join(a.path.name for a in images)}" if images else ""),
            hint=f"build it: mcpship build --target oci --out {request.dist}",
        )
    image = images[0]
    assert request.to is not None
    destination = parse_image_reference(request.to)
    with _progress(enabled=not as_json and not quiet()) as on_progress:
        result = push_oci_image(
            image.path,
            destination,
            tag=destination.tag or image.version,
            username=request.username,
            password=request.password,
            insecure=request.insecure,
            progress=on_progress,
        )
    sent = f"{result.blobs_uploaded} blob(s) uploaded ({_size(result.bytes_uploaded)})"
    return {
        "artifact": image.path.name,
        "reference": result.reference,
        "digest": result.digest,
        "tag": result.tag,
        "bytesUploaded": result.bytes_uploaded,
        "blobsUploaded": result.blobs_uploaded,
        "blobsSkipped": result.blobs_skipped,
        "blobsMounted": result.blobs_mounted,
        "summary": f"pushed {result.reference}\n  {sent}, {result.blobs_skipped} already there",
    }


def _publish_registry(request: PublishRequest, as_json: bool) -> dict[str, Any]:
    from mcpship.registry_client.client import publish_server_json

    outcome = publish_server_json(request.dist, registry=request.registry)
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


_PUBLISHERS: dict[Channel, Callable[[PublishRequest, bool], dict[str, Any]]] = {
    Channel.oci: _publish_oci,
    Channel.registry: _publish_registry,
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
