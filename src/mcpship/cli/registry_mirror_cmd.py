"""``mcpship registry mirror``: copy another registry into this one, incrementally (``updated_since``).

Like ``serve``, the service's dependencies are imported inside the command, so ``import mcpship.cli`` stays
light without the ``[registry]`` extra.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mcpship.cli._options import JsonOption
from mcpship.cli._output import echo, json_result, quiet, warn
from mcpship.cli._registry_options import McpbHostOption, NpmUrlOption, OciRegistryOption, PypiUrlOption
from mcpship.cli.registry_cmd import registry_app

if TYPE_CHECKING:
    from mcpship.registry.mirror import MirrorProgress

__all__ = ["registry_app"]

_EPILOG = """Examples:

  mcpship registry mirror --from https://registry.modelcontextprotocol.io
  mcpship registry mirror --from http://10.0.0.5:8080 --db sqlite:///registry.db --json
  mcpship registry mirror --from https://registry.lan --db postgresql+psycopg://reg@/registry

Run it again (e.g. hourly from cron) to fetch only what changed since the last run; a run that was
stopped (or that reached --max-pages) continues at the page where it stopped.
"""


@registry_app.command(epilog=_EPILOG)
def mirror(
    source: Annotated[str, typer.Option("--from", help="The registry to copy (its base URL).")],
    db: Annotated[
        str | None, typer.Option("--db", help="SQLAlchemy URL of this registry's database (default: the data dir).")
    ] = None,
    limit_per_page: Annotated[int, typer.Option("--limit-per-page", min=1, max=100, help="Servers per request.")] = 100,
    state: Annotated[
        Path | None,
        typer.Option("--state", help="Checkpoint file (default: <db file>.mirror-state.json next to SQLite)."),
    ] = None,
    max_pages: Annotated[
        int, typer.Option("--max-pages", min=1, help="Pages one run reads at most; the next run continues.")
    ] = 10_000,
    max_page_mb: Annotated[
        float, typer.Option("--max-page-mb", min=0.01, help="MiB one answer of the source may take.")
    ] = 16.0,
    pypi_url: PypiUrlOption = None,
    npm_url: NpmUrlOption = None,
    oci_registry: OciRegistryOption = None,
    mcpb_host: McpbHostOption = None,
    as_json: JsonOption = False,
) -> None:
    """Copy every server version of another MCP registry, with its own dates, status and isLatest.

    Each version must pass the server.json rules a publish here must pass (with the package registries given
    as to `serve`); the others are skipped and listed."""
    from mcpship.registry.config import PackageSources
    from mcpship.registry.deployment import MirrorOptions, run_mirror

    options = MirrorOptions(
        source=source,
        database_url=db,
        state_file=state,
        page_size=limit_per_page,
        max_pages=max_pages,
        max_page_bytes=int(max_page_mb * 1024 * 1024),
        sources=PackageSources(pypi_url, npm_url, tuple(oci_registry or ()), tuple(mcpb_host or ())),
    )
    with _progress(as_json) as update:
        report = run_mirror(options, progress=update)
    for note in report.notes:
        warn(note)
    for reason in report.skipped:
        warn(f"skipped {reason}")  # quotes the source registry's data
    for row in report.clamped:
        warn(f"future timestamps of {row}")
    if as_json:
        json_result(report.to_json())
        return
    echo(
        f"mirrored {report.source}: {report.changed} version(s) changed of {report.seen} read in {report.pages} page(s)"
    )


@contextmanager
def _progress(as_json: bool) -> Iterator[Callable[[MirrorProgress], None] | None]:
    """Pages and counts on an interactive stderr (the total is unknown until the last page)."""
    if as_json or quiet() or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("mirroring", total=None)

        def update(event: MirrorProgress) -> None:
            bar.update(task, description=f"page {event.pages}: {event.seen} read, {event.changed} changed")

        yield update
