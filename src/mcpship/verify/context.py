"""What a target's own verify step is given: the spec, the lock, every recorded artifact, the user's settings,
and the runner that starts a server the way its users would and compares its interface with the lock."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from mcpship._reporter import Reporter
from mcpship.interface.lock import InterfaceLock
from mcpship.probe.plan import StdioPlan
from mcpship.spec.load import ResolvedSpec
from mcpship.targets._base import Artifact
from mcpship.verify.result import VerifyResult

__all__ = ["VerifyContext"]


@dataclass(frozen=True, kw_only=True)
class VerifyContext:
    resolved: ResolvedSpec
    lock: InterfaceLock
    artifacts: Sequence[Artifact]
    """Everything ``dist/mcpship-build.json`` records (a server.json is checked against the packages beside it)."""
    config: Mapping[str, str]
    """User settings given to ``mcpship verify --config`` (``NOTES_TOKEN=...``)."""
    timeout: float
    """Seconds a server may take to start and list its interface."""
    reporter: Reporter
    runner: Callable[[Artifact, StdioPlan, str], VerifyResult]

    def run(self, artifact: Artifact, plan: StdioPlan, *, how: str) -> VerifyResult:
        """Start ``plan`` over stdio, list its interface and compare it with the lock; ``how`` names the way it
        was started in the verify table (``uvx --from <wheel>``)."""
        return self.runner(artifact, plan, how)

    def others(self, artifact: Artifact) -> list[Artifact]:
        """The recorded artifacts other than ``artifact``."""
        return [other for other in self.artifacts if other is not artifact]
