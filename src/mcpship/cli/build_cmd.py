"""``mcpship build``: write the artifacts of the requested targets into dist/."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mcpship.cli._app import State, app
from mcpship.cli._options import JsonOption, ProjectDir
from mcpship.cli._output import TerminalReporter, json_result

_EPILOG = """Examples:

  mcpship build examples/notes-py                      # the spec's [targets] (or defaults) into examples/notes-py/dist
  mcpship build examples/notes-py --target pypi --fix  # only sdist + wheel; add the README's mcp-name marker
  mcpship build . --target mcpb --platform linux-x86_64 --sign-key key.pem --sign-cert cert.pem
  SOURCE_DATE_EPOCH=1700000000 mcpship build .         # pin archive timestamps (default: last commit time)
  mcpship build . --no-sbom                            # without the SBOMs and provenance.intoto.json
"""

TargetOption = Annotated[
    list[str] | None,
    typer.Option(
        "--target", "-t", help="Target(s) to build, e.g. pypi,mcpb,server-json (default: the spec's [targets])."
    ),
]


@app.command(epilog=_EPILOG)
def build(
    ctx: typer.Context,
    directory: ProjectDir = Path(),
    target: TargetOption = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Output folder (default: DIR/dist).")] = None,
    fix: Annotated[bool, typer.Option("--fix", help="Repair what checks can fix safely (README marker).")] = False,
    platform: Annotated[
        list[str] | None, typer.Option("--platform", help="Per-platform MCPB bundles, e.g. linux-x86_64 (repeatable).")
    ] = None,
    sign_key: Annotated[
        Path | None,
        typer.Option("--sign-key", help="PEM private key to sign .mcpb bundles (overrides [targets.mcpb] sign_key)."),
    ] = None,
    sign_cert: Annotated[
        Path | None,
        typer.Option("--sign-cert", help="PEM certificate for the key (overrides [targets.mcpb] sign_cert)."),
    ] = None,
    sign_chain: Annotated[
        list[Path] | None,
        typer.Option("--sign-chain", help="Intermediate certificate(s) to embed, repeatable (overrides sign_chain)."),
    ] = None,
    no_sbom: Annotated[
        bool,
        typer.Option("--no-sbom", help="Skip the supply-chain records (*.cdx.json SBOMs, provenance.intoto.json)."),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Build every distribution format of the server, reproducibly, with dist/SHA256SUMS and dist/mcpship-build.json.

    Only the requested targets are rebuilt; a failing target never deletes another target's artifacts.
    """
    from mcpship.pipeline import build_project
    from mcpship.targets import BuildOptions

    state = ctx.ensure_object(State)
    options = BuildOptions(
        fix=fix,
        platforms=tuple(platform or ()),
        sign_key=sign_key,
        sign_cert=sign_cert,
        sign_chain=tuple(sign_chain or ()),
        supply_chain=not no_sbom,
    )
    names = [name.strip() for item in target or [] for name in item.split(",") if name.strip()]
    reporter = TerminalReporter(state.verbosity)
    try:
        report = build_project(directory, targets=names or None, outdir=out, options=options, reporter=reporter)
    finally:
        reporter.close()
    if as_json:
        json_result(
            {
                "outdir": str(report.outdir),
                "built": [_artifact_json(a) for a in report.built],
                "skipped": report.skipped,
                "records": [
                    {
                        "kind": record.kind,
                        "file": str(record.path),
                        "mediaType": record.media_type,
                        "sha256": record.sha256,
                        "describes": record.describes,
                    }
                    for record in report.records
                ],
            }
        )
        return
    from mcpship.cli.render import render_build

    render_build(report)


def _artifact_json(artifact: object) -> dict[str, object]:
    from mcpship.targets import Artifact

    assert isinstance(artifact, Artifact)
    return {
        "target": artifact.target,
        "kind": artifact.kind,
        "file": str(artifact.path),
        "sha256": artifact.sha256,
        "size": artifact.size,
        "platform": artifact.platform,
    }
