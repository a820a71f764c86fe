"""``mcpship ship``: the main job. Check the lock, build every target, verify every artifact."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mcpship._reporter import NullReporter, Reporter
from mcpship.interface.project import LockOutcome, lock_project
from mcpship.pipeline.driver import BuildReport, build_project
from mcpship.spec.load import load_spec
from mcpship.spec.names import refuse_placeholder_name
from mcpship.targets._base import BuildOptions

if TYPE_CHECKING:  # verify loads on use (ship imports it inside the function)
    from mcpship.verify import VerifyResult

__all__ = ["ShipOutcome", "ship_project"]


@dataclass(frozen=True, kw_only=True)
class ShipOutcome:
    lock: LockOutcome
    build: BuildReport
    verified: list[VerifyResult]
    """:class:`mcpship.verify.VerifyResult` rows for the artifacts of this build."""


def ship_project(
    directory: Path | str = ".",
    *,
    targets: Sequence[str] | None = None,
    outdir: Path | str | None = None,
    options: BuildOptions | None = None,
    config: Mapping[str, str] | None = None,
    timeout: float = 180.0,
    reporter: Reporter | None = None,
) -> ShipOutcome:
    """Lock check, build, verify; each step raises its own error (drift, build, verification) and stops there."""
    from mcpship.verify import verify_dist

    reporter = reporter or NullReporter()
    resolved = load_spec(directory)  # refused before the lock check starts the server, not after
    refuse_placeholder_name(resolved.spec.name, root=resolved.root, source=resolved.source)
    reporter.step("checking the interface lock against the live server")
    locked = lock_project(directory, check=True, env=config, timeout=timeout, reporter=reporter)
    built = build_project(directory, targets=targets, outdir=outdir, options=options, reporter=reporter)
    results = verify_dist(built.outdir, project=directory, config=config, timeout=timeout, reporter=reporter)
    return ShipOutcome(lock=locked, build=built, verified=list(results))
