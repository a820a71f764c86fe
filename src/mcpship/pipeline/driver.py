"""``mcpship build``: run the requested targets in dependency order and collect their artifacts in dist/.

Each target builds into its own empty staging folder; only when it succeeds are its files moved into dist/
and its previous artifacts removed, so a failing target never touches what another target built.
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from mcpship._exceptions import BuildError, McpshipError, UsageError
from mcpship._reporter import NullReporter, Reporter
from mcpship.interface.lock import LOCK_FILE, InterfaceLock, read_lock
from mcpship.pipeline.report import REPORT_FILE, read_report, read_supply_chain, sha256_of, write_report
from mcpship.spec.load import ResolvedSpec, load_spec
from mcpship.spec.names import refuse_placeholder_name
from mcpship.targets import load_target
from mcpship.targets._base import Artifact, BuildContext, BuildOptions, BuiltFile, Target
from mcpship.targets._epoch import source_date_epoch
from mcpship.targets._known import canonical_name

if TYPE_CHECKING:
    from mcpship.security.records import SupplyChainRecord

__all__ = ["BuildReport", "build_project", "default_targets"]

_DEFAULTS = {
    "python": ("pypi", "mcpb", "server-json"),
    "node": ("npm", "mcpb", "server-json"),
    "binary": ("mcpb", "server-json"),
}


@dataclass(frozen=True, kw_only=True)
class BuildReport:
    outdir: Path
    built: list[Artifact] = field(default_factory=list)
    """Artifacts this run produced."""
    artifacts: list[Artifact] = field(default_factory=list)
    """Everything dist/ now holds (this run's plus earlier runs' still-valid artifacts)."""
    skipped: dict[str, str] = field(default_factory=dict)
    """Target -> why it does not apply."""
    failed: dict[str, McpshipError] = field(default_factory=dict)
    records: list[SupplyChainRecord] = field(default_factory=list)
    """The supply-chain records beside the artifacts: an SBOM per artifact, the provenance statement."""


def default_targets(resolved: ResolvedSpec) -> list[str]:
    """The spec's ``[targets]``, else what suits its runtime."""
    return list(resolved.spec.targets) or list(_DEFAULTS[resolved.spec.run.runtime])


def build_project(
    directory: Path | str = ".",
    *,
    targets: Sequence[str] | None = None,
    outdir: Path | str | None = None,
    options: BuildOptions | None = None,
    reporter: Reporter | None = None,
) -> BuildReport:
    """Build the project's artifacts; raise :class:`BuildError` (after building what could be) if a target failed."""
    reporter = reporter or NullReporter()
    options = options or BuildOptions()
    resolved = load_spec(directory)
    refuse_placeholder_name(resolved.spec.name, root=resolved.root, source=resolved.source)
    out = Path(outdir) if outdir is not None else resolved.root / "dist"
    out = out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    lock_path = resolved.root / LOCK_FILE
    lock = read_lock(lock_path) if lock_path.exists() else None
    names = _ordered([canonical_name(name) for name in targets] if targets else default_targets(resolved))
    # a report written before a target's rename records the old name
    previous = [dataclasses.replace(a, target=canonical_name(a.target)) for a in read_report(out)]
    kept = [a for a in previous if a.target not in names]
    built: list[Artifact] = []
    skipped: dict[str, str] = {}
    failed: dict[str, McpshipError] = {}
    epoch = source_date_epoch(resolved.root)
    if not (out / REPORT_FILE).exists():
        # The report marks the folder as mcpship's before any target runs, so no target packs what lands here.
        write_report(out, [], name=resolved.spec.name, source_date_epoch=epoch)
    with tempfile.TemporaryDirectory(prefix="mcpship-build-") as scratch:
        for name in names:
            target = load_target(name)
            blocked = [need for need in target.needs if need in failed]
            if blocked:
                failed[name] = BuildError(f"{name} was not built because {', '.join(blocked)} failed")
                continue
            context = BuildContext(
                resolved=resolved,
                lock=lock,
                staging=_fresh(Path(scratch) / name / "staging"),
                work=_fresh(Path(scratch) / name / "work"),
                source_date_epoch=epoch,
                options=options,
                reporter=reporter,
                built=_by_target(kept + built),
            )
            try:
                outcome = _run_target(target, context, out, lock, previous, reporter)
            except McpshipError as error:
                failed[name] = error
                continue
            if isinstance(outcome, str):
                skipped[name] = outcome
            else:
                built.extend(outcome)
    survivors = [a for a in previous if a.target in failed or a.target in skipped] + kept
    unique = {a.path: a for a in survivors + built}
    artifacts = sorted(unique.values(), key=lambda a: a.path.name)
    records = _supply_chain(resolved, out, artifacts, epoch, options, reporter, failed)
    write_report(out, artifacts, name=resolved.spec.name, source_date_epoch=epoch, records=records)
    report = BuildReport(outdir=out, built=built, artifacts=artifacts, records=records, skipped=skipped, failed=failed)
    if failed:
        first = next(iter(failed.values()))
        summary = "\n".join(f"  {name}: {error.message}" for name, error in failed.items())
        raise BuildError(f"{len(failed)} target(s) failed:\n{summary}", hint=first.hint, report=report)
    return report


def _run_target(
    target: Target,
    context: BuildContext,
    out: Path,
    lock: InterfaceLock | None,
    previous: list[Artifact],
    reporter: Reporter,
) -> list[Artifact] | str:
    reason = target.not_applicable(context)
    if reason is not None:
        return reason
    reporter.step(f"checking {target.name}")
    problems = [p for p in target.check(context) if p.severity == "error"]
    if problems:
        listed = "\n".join(f"    {p.render()}" + (f"\n      fix: {p.hint}" if p.hint else "") for p in problems)
        raise BuildError(f"{len(problems)} problem(s) to fix first:\n{listed}", hint=problems[0].hint)
    reporter.step(f"building {target.name}")
    outputs = target.build(context)
    artifacts: list[Artifact] = []
    for stale in previous:  # the target succeeded: its old files make way
        if stale.target == target.name and stale.path.parent == out:
            stale.path.unlink(missing_ok=True)
    for output in outputs:
        kind, path, platform = BuiltFile(*output)
        final = out / path.name
        shutil.move(str(path), final)
        artifacts.append(
            Artifact(
                target=target.name,
                kind=kind,
                path=final,
                sha256=sha256_of(final),
                size=final.stat().st_size,
                version=context.resolved.spec.version,
                lock_digest=lock.digest if lock is not None else None,
                platform=platform,
            )
        )
        reporter.debug(f"{target.name}: {final.name}")
    return artifacts


SUPPLY_CHAIN = "supply-chain"
"""The key of :attr:`BuildReport.failed` when the records could not be written."""


def _supply_chain(
    resolved: ResolvedSpec,
    out: Path,
    artifacts: list[Artifact],
    epoch: int,
    options: BuildOptions,
    reporter: Reporter,
    failed: dict[str, McpshipError],
) -> list[SupplyChainRecord]:
    """Write the SBOMs and the provenance statement (or, with ``--no-sbom``, remove the earlier build's, which
    would describe other files); a failure is recorded in ``failed`` like a target's."""
    stale = [record.path for record in read_supply_chain(out)]
    if not options.supply_chain:
        for path in stale:
            path.unlink(missing_ok=True)
        return []
    from mcpship.security._project_deps import project_locks
    from mcpship.security.provenance import BuildInputs
    from mcpship.security.records import write_supply_chain_records
    from mcpship.security.sbom import sbom_name

    reporter.step("writing the SBOMs and the provenance statement")
    spec = resolved.spec
    lock_file = resolved.root / LOCK_FILE
    inputs = BuildInputs(
        root=resolved.root,
        server_name=spec.name,
        version=spec.version,
        targets=tuple(sorted({artifact.target for artifact in artifacts})),  # this run's and the kept ones
        spec_file=resolved.source,
        interface_lock=lock_file if lock_file.is_file() else None,
        dependency_locks=tuple(project_locks(resolved.root)),
        repository=spec.repository,
        source_date_epoch=epoch,
    )
    try:
        return write_supply_chain_records(out, artifacts, inputs, stale=stale)
    except McpshipError as error:
        failed[SUPPLY_CHAIN] = error
        # no record at all rather than one that describes other files
        for path in [*stale, *(out / sbom_name(artifact) for artifact in artifacts)]:
            path.unlink(missing_ok=True)
        return []


def _ordered(names: list[str]) -> list[str]:
    """Requested targets, each after the targets it reads (``server-json`` after the packages it lists)."""
    needs = {name: load_target(name).needs for name in names}  # an unknown name is a UsageError with the fix
    seen: list[str] = []
    for name in names:
        if name in seen:
            raise UsageError(f"target {name!r} is listed twice")
        seen.append(name)
    return sorted(names, key=lambda n: (any(need in names for need in needs[n]), names.index(n)))


def _fresh(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=False)
    return path


def _by_target(artifacts: list[Artifact]) -> dict[str, list[Artifact]]:
    grouped: dict[str, list[Artifact]] = {}
    for artifact in artifacts:
        grouped.setdefault(artifact.target, []).append(artifact)
    return grouped
