"""Rich rendering of snapshots and specs for humans (``--json`` bypasses this module).

Every value that came from outside (a server, a spec, a bundle) enters a table as plain text through
:func:`mcpship.cli._terminal.cell`: control sequences escaped, never read as Rich markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rich.table import Table

from mcpship.cli._output import console as _console
from mcpship.cli._terminal import cell

if TYPE_CHECKING:
    from mcpship.pipeline import BuildReport
    from mcpship.probe.snapshot import ServerSnapshot
    from mcpship.spec.load import ResolvedSpec
    from mcpship.verify.result import VerifyResult

__all__ = ["render_snapshot", "render_spec"]

_MAX_DESCRIPTION = 300  # characters of a description's first line shown in a table; --json has it all
_MAX_INSTRUCTIONS = 2_000

_HINTS = (
    ("readOnlyHint", "read-only"),
    ("destructiveHint", "destructive"),
    ("idempotentHint", "idempotent"),
    ("openWorldHint", "open-world"),
)


def render_snapshot(snapshot: ServerSnapshot) -> None:
    console = _console()
    info = snapshot.server_info
    title = f" — {info['title']}" if info.get("title") else ""
    console.print(cell(f"{info.get('name', '?')} {info.get('version', '')}{title}", style="bold"))
    offered = ", ".join(key for key, value in snapshot.capabilities.items() if value is not None) or "none"
    console.print(cell(f"protocol {snapshot.protocol_version} · capabilities: {offered} · {snapshot.target}"))
    if snapshot.instructions:
        instructions = _cut(snapshot.instructions.strip(), _MAX_INSTRUCTIONS)
        console.print(cell(f"instructions: {instructions}", style="dim", multiline=True))
    console.print(_tools_table(snapshot.tools))
    if snapshot.prompts:
        console.print(
            _table(
                "Prompts",
                ("name", "description", "arguments"),
                [
                    (p["name"], _first_line(p.get("description")), _arguments(p.get("arguments", [])))
                    for p in snapshot.prompts
                ],
            )
        )
    if snapshot.resources:
        console.print(
            _table(
                "Resources",
                ("uri", "name", "mime type", "description"),
                [
                    (r["uri"], r.get("name", ""), r.get("mimeType", ""), _first_line(r.get("description")))
                    for r in snapshot.resources
                ],
            )
        )
    if snapshot.resource_templates:
        console.print(
            _table(
                "Resource templates",
                ("uri template", "name", "description"),
                [
                    (t["uriTemplate"], t.get("name", ""), _first_line(t.get("description")))
                    for t in snapshot.resource_templates
                ],
            )
        )


def _tools_table(tools: list[dict[str, Any]]) -> Table:
    rows = []
    for tool in tools:
        schema = tool.get("inputSchema", {})
        required = set(schema.get("required", []))
        params = ", ".join(f"{name}{'*' if name in required else ''}" for name in schema.get("properties", {}))
        hints = tool.get("annotations", {})
        flags = ", ".join(label for key, label in _HINTS if hints.get(key))
        rows.append(
            (tool["name"], _first_line(tool.get("description")), params, "✓" if "outputSchema" in tool else "", flags)
        )
    return _table(f"Tools ({len(tools)})", ("name", "description", "inputs (* required)", "output", "hints"), rows)


def _table(title: str, columns: tuple[str, ...], rows: Sequence[tuple[object, ...]]) -> Table:
    table = Table(title=title, title_justify="left", show_lines=False)
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*(cell(value) for value in row))
    return table


def _first_line(text: object) -> str:
    lines = str(text).strip().splitlines() if text else []
    return _cut(lines[0], _MAX_DESCRIPTION) if lines else ""


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text) - limit:,} more characters in --json)"


def _arguments(arguments: list[dict[str, Any]]) -> str:
    return ", ".join(f"{a['name']}{'*' if a.get('required') else ''}" for a in arguments)


def render_spec(resolved: ResolvedSpec) -> None:
    console = _console()
    spec = resolved.spec
    source = resolved.source or "(derived only)"
    console.print(cell(f"{spec.name} {spec.version}", style="bold"), cell(f"from {source}"))
    table = Table(show_header=True, title_justify="left")
    table.add_column("key")
    table.add_column("value", overflow="fold")
    table.add_column("from", style="dim")
    dumped = spec.model_dump(mode="json", exclude_none=True)
    for key, value in dumped.items():
        if key in ("env", "targets", "run", "http"):
            continue
        table.add_row(cell(key), cell(value), cell(resolved.origins.get(key, "")))
    run = spec.run
    table.add_row(
        "run",
        cell(f"{run.runtime}: {' '.join([run.command, *run.args])}"),
        cell(resolved.origins.get("run.command", "")),
    )
    if spec.http is not None:
        table.add_row("http", cell(f"http://{spec.http.host}:{spec.http.port}{spec.http.path}"), "")
    table.add_row("targets", cell(", ".join(spec.targets) or "none"), "")
    console.print(table)
    if spec.env:
        env_table = Table(title="Environment", title_justify="left")
        for column in ("name", "required", "secret", "default", "description"):
            env_table.add_column(column)
        for entry in spec.env:
            env_table.add_row(
                cell(entry.name),
                "yes" if entry.required else "",
                "yes" if entry.secret else "",
                cell(entry.default or ""),
                cell(entry.description),
            )
        console.print(env_table)


def render_build(report: BuildReport) -> None:
    console = _console()
    console.print(cell(f"Built into {report.outdir}"))  # a title would wrap at the table's width
    table = Table()
    for column in ("target", "file", "size", "sha256"):
        table.add_column(column, overflow="fold")
    for artifact in report.built:
        table.add_row(cell(artifact.target), cell(artifact.path.name), _size(artifact.size), artifact.sha256[:16] + "…")
    console.print(table)
    sboms = [record for record in report.records if record.kind == "sbom"]
    provenance = [record.path.name for record in report.records if record.kind == "provenance"]
    if report.records:
        shown = ", ".join([f"{len(sboms)} SBOM(s) (*.cdx.json)", *provenance])
        console.print(cell(f"supply chain: {shown}", style="dim"))
    for name, reason in report.skipped.items():
        console.print(cell(f"{name}: skipped, {reason}", style="dim"))


def _size(size: int) -> str:
    return f"{size / 1024:.1f} KiB" if size < 1024 * 1024 else f"{size / 1024 / 1024:.1f} MiB"


def render_verify(results: Sequence[VerifyResult]) -> None:
    table = Table(title="Verified", title_justify="left")
    for column in ("artifact", "run as", "start", "interface", "detail"):
        table.add_column(column, overflow="fold")
    marks = {True: "[green]✓[/green]", False: "[red]✗[/red]", None: "–"}
    for result in results:
        start = f"{result.seconds:.1f} s" if result.seconds is not None else "–"
        status = marks[result.matches] if result.status != "failed" or result.matches is not None else "[red]✗[/red]"
        shown = result.detail if result.status != "skipped" else f"skipped: {result.detail}"
        detail = cell(shown, style="dim" if result.status == "skipped" else "", multiline=True)  # quotes stderr
        table.add_row(cell(result.artifact.path.name), cell(result.how), start, status, detail)
    _console().print(table)
