"""``mcpship verify``, ``mcpship validate`` and ``mcpship ship``: prove what was built."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mcpship._exceptions import InvalidArtifactError, VerifyError
from mcpship.cli._app import State, app
from mcpship.cli._options import JsonOption, ProjectDir, TimeoutOption
from mcpship.cli._output import TerminalReporter, echo, json_problem, json_result

ConfigOption = Annotated[
    list[str] | None,
    typer.Option("--config", "-c", help="A user setting for the server: KEY=VALUE (env var or MCPB user_config key)."),
]
MaxUnpackedOption = Annotated[
    int | None,
    typer.Option("--max-unpacked-mib", min=1, help="MiB an .mcpb may unpack to, all entries together (default 1024)."),
]
MaxEntriesOption = Annotated[
    int | None, typer.Option("--max-entries", min=1, help="Entries an .mcpb may hold (default 100000).")
]

if TYPE_CHECKING:
    from mcpship.targets.mcpb.archive import BundleLimits
    from mcpship.verify import VerifyResult

_VERIFY_EPILOG = """Examples:

  mcpship verify examples/notes-py/dist                 # every artifact in the build report
  mcpship verify dist --project . --config NOTES_TOKEN=t0k
"""
_VALIDATE_EPILOG = """Examples:

  mcpship validate dist/server.json
  mcpship validate dist/notes-0.1.0.mcpb --require-signature
  mcpship validate examples/notes-py/mcpship.toml manifest.json
  mcpship validate big-server.mcpb --max-unpacked-mib 2048     # a bundle you trust to be this big
"""
_SHIP_EPILOG = """Examples:

  mcpship ship examples/notes-py                 # lock check, build every target, verify every artifact
  mcpship ship examples/notes-node --target mcpb,registry
"""


@app.command(epilog=_VERIFY_EPILOG)
def verify(
    ctx: typer.Context,
    dist: Annotated[Path, typer.Argument(help="The build output folder.")] = Path("dist"),
    project: Annotated[Path | None, typer.Option("--project", help="Project folder (default: DIST/..).")] = None,
    config: ConfigOption = None,
    timeout: TimeoutOption = 180.0,
    max_unpacked_mib: MaxUnpackedOption = None,
    max_entries: MaxEntriesOption = None,
    as_json: JsonOption = False,
) -> None:
    """Run every built artifact as its users would, in isolation, and compare its interface with the lock."""
    from mcpship.probe.environment import parse_env_assignments
    from mcpship.verify import verify_dist

    state = ctx.ensure_object(State)
    reporter = TerminalReporter(state.verbosity)
    with _results_shown_on_failure(reporter, as_json):
        results = verify_dist(
            dist,
            project=project,
            config=parse_env_assignments(config or []),
            timeout=timeout,
            reporter=reporter,
            bundle_limits=_bundle_limits(max_unpacked_mib, max_entries),
        )
    _show_results(list(results), as_json)


@app.command(epilog=_VALIDATE_EPILOG)
def validate(
    files: Annotated[list[Path], typer.Argument(help="server.json, manifest.json, .mcpb, mcpship.toml (or folders).")],
    require_signature: Annotated[
        bool, typer.Option("--require-signature", help="A .mcpb must carry a valid signature.")
    ] = False,
    max_unpacked_mib: MaxUnpackedOption = None,
    max_entries: MaxEntriesOption = None,
    as_json: JsonOption = False,
) -> None:
    """Check files by their own rules: the official registry's for server.json, the MCPB schema for bundles."""
    from mcpship.validate import validate_paths

    limits = _bundle_limits(max_unpacked_mib, max_entries)
    problems = validate_paths(files, require_signature=require_signature, bundle_limits=limits)
    errors = [p for p in problems if p.severity == "error"]
    if as_json:  # the findings are the envelope's problems (errors) and warnings
        json_result({"files": [str(f) for f in files], "valid": not errors})
        for problem in problems:
            json_problem(problem)
    else:
        for problem in problems:  # one `error:` line at the end sums up; each finding gets a mark
            mark = "✗" if problem.severity == "error" else "!"
            echo(f"{mark} {problem.render()}", err=True)  # may quote the file's own text
            if problem.hint:
                echo(f"  fix: {problem.hint}", err=True)
        if not errors:
            echo(f"valid: {', '.join(str(f) for f in files)}")
    if errors:
        raise InvalidArtifactError(
            f"{len(errors)} problem(s) in {len({p.file for p in errors})} file(s); the first: {errors[0].render()}",
            hint=errors[0].hint or "see the lines above",
        )


@app.command(epilog=_SHIP_EPILOG)
def ship(
    ctx: typer.Context,
    directory: ProjectDir = Path(),
    target: Annotated[list[str] | None, typer.Option("--target", "-t", help="Targets (default: the spec's).")] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Output folder (default: DIR/dist).")] = None,
    fix: Annotated[bool, typer.Option("--fix", help="Repair what checks can fix safely.")] = False,
    platform: Annotated[list[str] | None, typer.Option("--platform", help="Per-platform MCPB bundles.")] = None,
    config: ConfigOption = None,
    timeout: TimeoutOption = 180.0,
    as_json: JsonOption = False,
) -> None:
    """The main job: check the interface lock, build every target, verify every artifact."""
    from mcpship.pipeline.ship import ship_project
    from mcpship.probe.environment import parse_env_assignments
    from mcpship.targets import BuildOptions

    state = ctx.ensure_object(State)
    names = [name.strip() for item in target or [] for name in item.split(",") if name.strip()]
    reporter = TerminalReporter(state.verbosity)
    with _results_shown_on_failure(reporter, as_json):
        outcome = ship_project(
            directory,
            targets=names or None,
            outdir=out,
            options=BuildOptions(fix=fix, platforms=tuple(platform or ())),
            config=parse_env_assignments(config or []),
            timeout=timeout,
            reporter=reporter,
        )
    if not as_json:
        from mcpship.cli.render import render_build

        echo(f"interface lock: up to date ({outcome.lock.lock.digest[:19]}…)")
        render_build(outcome.build)
    _show_results(outcome.verified, as_json)


def _bundle_limits(max_unpacked_mib: int | None, max_entries: int | None) -> BundleLimits | None:
    if max_unpacked_mib is None and max_entries is None:
        return None
    from mcpship.targets.mcpb.archive import MAX_ENTRIES, MAX_ENTRY_BYTES, MAX_UNPACKED_BYTES, BundleLimits

    total = MAX_UNPACKED_BYTES if max_unpacked_mib is None else max_unpacked_mib << 20
    return BundleLimits(
        max_unpacked_bytes=total,
        max_entry_bytes=max(MAX_ENTRY_BYTES, total),  # raising the total lets one entry be that big too
        max_entries=MAX_ENTRIES if max_entries is None else max_entries,
    )


@contextmanager
def _results_shown_on_failure(reporter: TerminalReporter, as_json: bool) -> Iterator[None]:
    """A failed verification still shows its whole table (what passed, what failed) before the error."""
    try:
        yield
    except VerifyError as error:
        reporter.close()
        _show_results(error.results, as_json)
        raise
    finally:
        reporter.close()


def _show_results(rows: Sequence[VerifyResult], as_json: bool) -> None:
    if as_json:
        json_result(
            [
                {
                    "file": r.artifact.path.name,
                    "kind": r.artifact.kind,
                    "status": r.status,
                    "how": r.how,
                    "seconds": r.seconds,
                    "interfaceMatches": r.matches,
                    "detail": r.detail,
                    "notRun": r.missing,
                }
                for r in rows
            ]
        )
        return
    from mcpship.cli.render import render_verify

    render_verify(rows)
