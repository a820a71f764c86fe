"""``mcpship check``: the CI gate. Every gate runs (a failing one does not hide the next), and the report lists
each with its outcome; :meth:`CheckReport.error` folds the failures into one :class:`CheckFailedError`.

Gates, in order: ``spec`` (the spec loads and validates), ``lock`` (mcp-interface.json matches the live server, as
``mcpship lock --check``), ``versions`` (every place the version lives says the same version). The gate "the bump
since the last release is sufficient" joins the list in :func:`_gates` once the interface diff is in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from mcpship._exceptions import CheckFailedError, LockError, McpshipError, SpecError, VersionError
from mcpship._problems import Problem
from mcpship._reporter import NullReporter, Reporter
from mcpship.probe import ProbeLimits, Spawner

__all__ = ["CheckReport", "GateResult", "check_project"]

Status = Literal["passed", "failed", "skipped"]


@dataclass(frozen=True)
class GateResult:
    name: str
    status: Status
    summary: str
    """One line: what passed, why it was skipped, or the failure's first line."""
    error: McpshipError | None = None
    problems: list[Problem] = field(default_factory=list)
    """Findings with a file and field (the versions gate: each place that differs)."""


@dataclass(frozen=True)
class CheckReport:
    root: Path
    gates: list[GateResult]

    @property
    def ok(self) -> bool:
        return all(gate.status != "failed" for gate in self.gates)

    @property
    def failed(self) -> list[GateResult]:
        return [gate for gate in self.gates if gate.status == "failed"]

    def error(self) -> CheckFailedError:
        """Every failing gate in one error (exit 14): each gate's message and fix."""
        failed = self.failed
        names = ", ".join(gate.name for gate in failed)
        details = "\n".join(f"[{gate.name}] {gate.error.message if gate.error else gate.summary}" for gate in failed)
        hints = "; ".join(f"[{gate.name}] {gate.error.hint}" for gate in failed if gate.error and gate.error.hint)
        return CheckFailedError(
            f"{self.root.name}: {len(failed)} of {len(self.gates)} checks failed ({names}):\n{details}",
            hint=hints or "fix the problems above and run `mcpship check` again",
            failures=[gate.error for gate in failed if gate.error is not None],
        )


@dataclass(frozen=True)
class _Gate:
    name: str
    run: Callable[[], tuple[str, list[Problem]]]
    """The gate's check: a summary when it passes; raises the gate's :class:`McpshipError` when it fails."""
    needs: tuple[str, ...] = ()
    """Gates that must pass first (the lock needs a valid spec to start the server)."""


def check_project(
    directory: Path | str = ".",
    *,
    env: Mapping[str, str] | None = None,
    timeout: float = 60.0,
    reporter: Reporter | None = None,
    spawner: Spawner | None = None,
    limits: ProbeLimits | None = None,
) -> CheckReport:
    """Run every gate on the project in ``directory`` and report each; never raises for a failing gate."""
    root = Path(directory).resolve()
    if not root.is_dir():
        raise SpecError(f"{directory}: not a directory", hint="pass the folder that holds your MCP server project")
    reporter = reporter or NullReporter()
    results: dict[str, GateResult] = {}
    for gate in _gates(root, env=env, timeout=timeout, reporter=reporter, spawner=spawner, limits=limits):
        blocked = [name for name in gate.needs if results[name].status != "passed"]
        if blocked:
            results[gate.name] = GateResult(gate.name, "skipped", f"skipped: needs the {blocked[0]} check to pass")
            continue
        reporter.step(f"checking {gate.name}")
        try:
            summary, problems = gate.run()
        except McpshipError as exc:
            problems = list(exc.problems) if isinstance(exc, VersionError) else []
            summary = exc.message.splitlines()[0].removesuffix(":")
            results[gate.name] = GateResult(gate.name, "failed", summary, exc, problems)
        else:
            results[gate.name] = GateResult(gate.name, "passed", summary, None, problems)
    return CheckReport(root=root, gates=list(results.values()))


def _gates(
    root: Path,
    *,
    env: Mapping[str, str] | None,
    timeout: float,
    reporter: Reporter,
    spawner: Spawner | None,
    limits: ProbeLimits | None,
) -> list[_Gate]:
    def spec() -> tuple[str, list[Problem]]:
        from mcpship.spec import load_spec

        resolved = load_spec(root)
        return f"{resolved.spec.name} {resolved.spec.version}", []

    def lock() -> tuple[str, list[Problem]]:
        from mcpship.interface.project import lock_project

        outcome = lock_project(
            root, check=True, env=env, timeout=timeout, reporter=reporter, spawner=spawner, limits=limits
        )
        return f"{outcome.path.name} up to date ({outcome.lock.digest[:19]}…)", []

    def versions() -> tuple[str, list[Problem]]:
        from mcpship.versioning import check_versions_in_sync

        report = check_versions_in_sync(root)
        if not report.in_sync:
            raise report.error()
        shown = report.reference.value if report.reference is not None else "set by the git tag"
        return f"{shown} in {len(report.places)} place{'s' if len(report.places) != 1 else ''}", []

    def bump() -> tuple[str, list[Problem]]:
        """The version since the last release tag is a big enough step for the interface changes since then (the
        lock committed at the tag against the project's lock, which the lock gate proved current)."""
        from mcpship.versioning import check_versions_in_sync, parse_any
        from mcpship.versioning.interface_bump import interface_bump, last_release, refuse_insufficient_bump

        release = last_release(root)
        if release is None:
            return "no release tag yet: nothing to compare with", []
        reference = check_versions_in_sync(root).reference
        if reference is None or reference.value is None:
            return f"the version is the git tag ({release.tag}): the release tag sets it", []
        current = parse_any(reference.value, where=f"{reference.relative(root)} {reference.field}")
        try:
            found = interface_bump(root, release=release, against_lock=True, env=env, timeout=timeout)
        except LockError as exc:
            return f"not checked: {exc.message}", []
        if found is None:  # unreachable: a release was given
            raise AssertionError(release)
        refuse_insufficient_bump(found, current, what="the version")
        need = found.classification.bump
        return f"{current} since {release.tag} covers {f'a {need} change' if need else 'an unchanged interface'}", []

    return [
        _Gate("spec", spec),
        _Gate("lock", lock, needs=("spec",)),
        _Gate("versions", versions),
        _Gate("bump", bump, needs=("lock", "versions")),
    ]
