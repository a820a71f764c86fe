"""``mcpship verify``: run every artifact in dist/ in isolation and compare its live interface with the lock."""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import anyio

from mcpship._exceptions import McpshipError, MissingRuntimeError, UsageError, VerifyError
from mcpship._reporter import NullReporter, Reporter
from mcpship.interface.diff import diff_locks
from mcpship.interface.lock import LOCK_FILE, InterfaceLock, lock_from_snapshot, read_lock
from mcpship.pipeline.report import REPORT_FILE, read_report, read_source_date_epoch, sha256_of
from mcpship.probe.plan import StdioPlan
from mcpship.spec.load import load_spec
from mcpship.spec.model import Spec
from mcpship.targets import load_target
from mcpship.targets._base import Artifact, VerifyingTarget
from mcpship.verify.contents import HOW as CONTENTS_CHECK
from mcpship.verify.contents import verify_contents
from mcpship.verify.context import VerifyContext
from mcpship.verify.result import VerifyResult
from mcpship.verify.runners import npm_plan, wheel_from_sdist, wheel_plan

if TYPE_CHECKING:
    from mcpship.targets.mcpb.archive import BundleLimits

__all__ = ["verify_dist"]


def verify_dist(
    outdir: Path | str,
    *,
    project: Path | str | None = None,
    config: Mapping[str, str] | None = None,
    timeout: float = 180.0,
    reporter: Reporter | None = None,
    bundle_limits: BundleLimits | None = None,
) -> list[VerifyResult]:
    """Verify what ``mcpship build`` recorded in ``outdir``; raise :class:`VerifyError` if any artifact fails.

    ``project`` (default: the folder holding ``outdir``) provides the spec and ``mcp-interface.json``;
    ``config`` supplies user settings (``NOTES_TOKEN=...`` or MCPB ``user_config`` keys); ``bundle_limits``
    replaces what an MCPB bundle may unpack to (default: :class:`~mcpship.targets.mcpb.archive.BundleLimits`).
    """
    reporter = reporter or NullReporter()
    out = Path(outdir).resolve()
    artifacts = read_report(out)
    if not artifacts:
        raise VerifyError(
            f"{out}: no artifacts recorded in {REPORT_FILE}",
            hint="run `mcpship build` first (verify checks what it built)",
        )
    root = Path(project).resolve() if project is not None else out.parent
    resolved = load_spec(root)
    lock = read_lock(root / LOCK_FILE)
    settings = dict(config or {})

    def runner(artifact: Artifact, plan: StdioPlan, how: str) -> VerifyResult:
        return _run_and_compare(artifact, plan, lock, timeout, reporter, how=how)

    context = VerifyContext(
        resolved=resolved,
        lock=lock,
        artifacts=artifacts,
        config=settings,
        timeout=timeout,
        reporter=reporter,
        runner=runner,
    )
    results: list[VerifyResult] = []
    for artifact in artifacts:
        hook = _verify_hook(artifact.target)
        if hook is not None:
            reporter.step(f"verifying {artifact.path.name}")
            results.append(hook.verify(artifact, context))
        else:
            results.append(
                _verify_one(artifact, artifacts, resolved.spec, lock, settings, timeout, reporter, bundle_limits)
            )
        nested = verify_contents(artifact, artifacts)
        if nested is not None:
            results.append(nested)
    failed = [r for r in results if r.status == "failed"]
    if failed:
        listed = "\n".join(f"  {r.artifact.path.name}: {r.detail}" for r in failed)
        raise VerifyError(
            f"{len(failed)} artifact(s) failed verification:\n{listed}",
            hint=_hint(_first_to_fix(failed)),
            results=list(results),
        )
    unrun = [r for r in results if r.missing]
    if unrun:
        names = ", ".join(r.artifact.path.name for r in unrun)
        raise MissingRuntimeError(
            f"{names} could not be run: nothing on this machine runs it (the other checks passed)",
            hint=unrun[0].missing,
            results=list(results),
        )
    return results


def _verify_hook(target: str) -> VerifyingTarget | None:
    """The target's own verify step, when it has one; an artifact of a target no longer installed (a plugin
    removed since the build) is left to the built-in runners, which skip kinds they do not know."""
    try:
        found = load_target(target)
    except UsageError:
        return None
    return found if isinstance(found, VerifyingTarget) else None


def _verify_one(
    artifact: Artifact,
    everything: list[Artifact],
    spec: Spec,
    lock: InterfaceLock,
    config: dict[str, str],
    timeout: float,
    reporter: Reporter,
    bundle_limits: BundleLimits | None = None,
) -> VerifyResult:
    reporter.step(f"verifying {artifact.path.name}")
    if artifact.kind == "wheel":
        try:
            plan = wheel_plan(artifact.path, spec, config)
        except McpshipError as error:
            return VerifyResult(artifact=artifact, how="uvx", status="failed", detail=error.message)
        return _run_and_compare(artifact, plan, lock, timeout, reporter, how="uvx --from <wheel>")
    if artifact.kind == "npm":
        import tempfile

        with tempfile.TemporaryDirectory(prefix="mcpship-npx-") as scratch:
            try:
                plan = npm_plan(artifact.path, spec, config, Path(scratch))
            except McpshipError as error:
                return VerifyResult(artifact=artifact, how="npx", status="failed", detail=error.message)
            return _run_and_compare(artifact, plan, lock, timeout, reporter, how="npx -y <tarball>")
    if artifact.kind == "mcpb":
        from mcpship.verify.mcpb import verify_bundle

        return verify_bundle(artifact, lock, config, timeout, reporter, run=_run_and_compare, limits=bundle_limits)
    if artifact.kind == "oci":
        from mcpship.verify.oci import verify_image

        return verify_image(artifact, lock, config, timeout, reporter, run=_run_and_compare, server_name=spec.name)
    if artifact.kind in ("dockerfile", "dockerignore"):
        image = next((a.path.name for a in everything if a.kind == "oci" and a.target == artifact.target), None)
        detail = (
            f"not checked: a build input for Docker/Podman/Buildah (the image mcpship built, {image}, is verified)"
            if image
            else "not checked: a build input for Docker/Podman/Buildah; no image was built (dockerfile_only)"
        )
        return VerifyResult(artifact=artifact, how="-", status="skipped", detail=detail)
    if artifact.kind == "sdist":
        return _verify_sdist(artifact, everything, reporter)
    return VerifyResult(artifact=artifact, how="-", status="skipped", detail=f"no runner for {artifact.kind}")


def _verify_sdist(sdist: Artifact, everything: list[Artifact], reporter: Reporter) -> VerifyResult:
    """pip builds sdists on install: the wheel built from it must be byte-identical to the shipped wheel."""
    import tempfile

    how = "wheel built from it (isolated)"
    wheels = [a for a in everything if a.kind == "wheel" and a.target == sdist.target]
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="mcpship-sdist-") as scratch:
        try:
            rebuilt = wheel_from_sdist(
                sdist.path, Path(scratch), source_date_epoch=read_source_date_epoch(sdist.path.parent)
            )
        except McpshipError as error:
            return VerifyResult(artifact=sdist, how=how, status="failed", detail=error.message)
        seconds = time.perf_counter() - started
        twin = next((w for w in wheels if w.path.name == rebuilt.name), None)
        if twin is None:
            return VerifyResult(artifact=sdist, how=how, status="ok", seconds=seconds, detail=f"builds {rebuilt.name}")
        if sha256_of(rebuilt) == twin.sha256:
            return VerifyResult(
                artifact=sdist, how=how, status="ok", seconds=seconds, detail=f"byte-identical to {twin.path.name}"
            )
        missing = _wheel_names(twin.path) - _wheel_names(rebuilt)
        shown = f"; files missing from the sdist's wheel: {', '.join(sorted(missing))}" if missing else ""
        return VerifyResult(
            artifact=sdist,
            how=how,
            status="failed",
            seconds=seconds,
            detail=f"the wheel built from it differs from {twin.path.name}{shown}",
        )


def _wheel_names(wheel: Path) -> set[str]:
    import zipfile

    with zipfile.ZipFile(wheel) as archive:
        return {name for name in archive.namelist() if ".dist-info/" not in name}


def _run_and_compare(
    artifact: Artifact, plan: StdioPlan, lock: InterfaceLock, timeout: float, reporter: Reporter, *, how: str
) -> VerifyResult:
    from mcpship.probe.session import inspect_plan

    started = time.perf_counter()

    async def run() -> InterfaceLock:
        return lock_from_snapshot(await inspect_plan(plan, timeout=timeout, reporter=reporter))

    try:
        live = anyio.run(run)
    except McpshipError as error:
        return VerifyResult(artifact=artifact, how=how, status="failed", detail=error.message)
    seconds = time.perf_counter() - started
    changes = diff_locks(lock, live)
    if changes:
        names = ", ".join(change.label for change in changes)
        return VerifyResult(
            artifact=artifact,
            how=how,
            status="failed",
            seconds=seconds,
            matches=False,
            detail=f"its interface differs from {LOCK_FILE}: {names}",
            changes=changes,
        )
    return VerifyResult(artifact=artifact, how=how, status="ok", seconds=seconds, matches=True)


def _first_to_fix(failed: list[VerifyResult]) -> VerifyResult:
    """A packed earlier build is fixed first: it may be why the server did not start."""
    return next((result for result in failed if result.how == CONTENTS_CHECK), failed[0])


def _hint(result: VerifyResult) -> str:
    if result.how == CONTENTS_CHECK:
        return (
            "an earlier build's outputs were packed into this one: rebuild with this mcpship (it leaves its outputs"
            " out), and list the package's own files (package.json \"files\", .mcpbignore, the build backend's"
            " sdist excludes)"
        )
    if result.changes:
        return "rebuild from the locked source, or run `mcpship lock` if the change is intended"
    return "run with -v to see the server's stderr"
