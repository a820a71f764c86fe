"""``mcpship publish``: take a built artifact from DIST to a channel (today: an OCI registry)."""

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
from mcpship.cli._output import print_json

if TYPE_CHECKING:
    from mcpship.channels import PushProgress

_EPILOG = """Examples:

  mcpship publish dist --channel oci --to ghcr.io/acme/notes --username acme --password-stdin < token.txt
  mcpship publish --channel oci --to 127.0.0.1:5000/notes:latest      # a local registry, plain HTTP
  mcpship publish dist --channel oci --to registry.lan/notes --insecure --json
"""


class Channel(StrEnum):
    """Where ``publish`` can take an artifact; pypi, npm and the MCP registry join here."""

    oci = "oci"


@dataclass(frozen=True)
class PublishRequest:
    dist: Path
    to: str
    username: str | None
    password: str | None
    insecure: bool


@app.command(epilog=_EPILOG)
def publish(
    channel: Annotated[Channel, typer.Option("--channel", help="Where to publish.", show_choices=True)],
    to: Annotated[str, typer.Option("--to", help="Destination: REGISTRY/NAME[:TAG] for oci.")],
    dist: Annotated[Path, typer.Argument(help="The build output folder (with mcpship-build.json).")] = Path("dist"),
    username: Annotated[str | None, typer.Option("--username", "-u", help="User name for the registry.")] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password or token from stdin.")
    ] = False,
    insecure: Annotated[bool, typer.Option("--insecure", help="Allow plain HTTP to a non-local registry.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Publish a built artifact: push the OCI image to a registry (tag default: the artifact's version)."""
    if password_stdin and username is None:
        raise UsageError("--password-stdin needs --username", hint="give the account name with --username")
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
    request = PublishRequest(dist=dist, to=to, username=username, password=password, insecure=insecure)
    outcome = _PUBLISHERS[channel](request, as_json)
    summary = outcome.pop("summary")
    if as_json:
        print_json({"channel": channel.value, **outcome})
    else:
        typer.echo(summary)


def _publish_oci(request: PublishRequest, as_json: bool) -> dict[str, Any]:
    from mcpship.build.report import REPORT_FILE, read_report
    from mcpship.channels import parse_image_reference, push_oci_image

    images = [a for a in read_report(request.dist) if a.kind == "oci"]
    if len(images) != 1:
        raise PublishError(
            f"{request.dist / REPORT_FILE} records {len(images) or 'no'} OCI image(s) (unchanged since the build)"
            + (f": {', '.join(a.path.name for a in images)}" if images else ""),
            hint=f"build it: mcpship build --target oci --out {request.dist}",
        )
    image = images[0]
    destination = parse_image_reference(request.to)
    with _progress(enabled=not as_json) as on_progress:
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


_PUBLISHERS: dict[Channel, Callable[[PublishRequest, bool], dict[str, Any]]] = {Channel.oci: _publish_oci}


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
