"""Are all of a project's version places the same version? Each mismatch is named with its file, field and fix."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mcpship._exceptions import VersionError
from mcpship._problems import Problem
from mcpship.versioning.next_version import ReleaseVersion, parse_version
from mcpship.versioning.places import ProjectFile, VersionPlace, find_version_places

__all__ = ["VersionsReport", "check_versions_in_sync", "same_version"]


@dataclass(frozen=True)
class VersionsReport:
    root: Path
    places: list[VersionPlace]
    files: dict[Path, ProjectFile]
    reference: VersionPlace | None
    """The place the others are compared with: the package manifest (pyproject.toml or its dynamic version file,
    else package.json); None when only the git tag sets the version."""
    mismatches: list[Problem]

    @property
    def in_sync(self) -> bool:
        return not self.mismatches

    def error(self) -> VersionError:
        """The mismatches as one error: every disagreeing place with its file, field and fix."""
        assert self.reference is not None
        count = len(self.mismatches)
        lines = "\n".join(f"  {problem.file}: {problem.path}: {problem.message}" for problem in self.mismatches)
        return VersionError(
            f"the version is not the same everywhere: {count} place{'s' if count != 1 else ''} differ"
            f" from {self.reference.relative(self.root)} {self.reference.field} ({self.reference.value}):\n{lines}",
            hint=f"set each to {self.reference.value}, or run `mcpship bump LEVEL --from {self.reference.value}`"
            " to write the next version everywhere",
            problems=self.mismatches,
        )


def check_versions_in_sync(project: Path | str) -> VersionsReport:
    """Every version place of ``project`` and the ones that differ from the package manifest's version (read in
    each place's scheme, so ``0.4.0rc1`` in pyproject.toml and ``0.4.0-rc.1`` in server.json agree)."""
    places, files = find_version_places(project)
    root = Path(project).resolve()
    with_value = [place for place in places if place.value is not None]
    reference = with_value[0] if with_value else None
    mismatches: list[Problem] = []
    if reference is not None:
        for place in with_value[1:]:
            if not same_version(reference, place):
                wanted = _rendered(reference, place)
                mismatches.append(
                    Problem(
                        file=place.relative(root),
                        path=place.field,
                        message=f'version "{place.value}" differs from {reference.relative(root)}'
                        f' {reference.field} "{reference.value}"',
                        hint=f'set {place.field} in {place.relative(root)} to "{wanted}"',
                    )
                )
    return VersionsReport(root=root, places=places, files=files, reference=reference, mismatches=mismatches)


def same_version(first: VersionPlace, second: VersionPlace) -> bool:
    assert first.value is not None
    assert second.value is not None
    one, two = _parsed(first), _parsed(second)
    if one is not None and two is not None:
        return one == two
    return first.value == second.value


def _parsed(place: VersionPlace) -> ReleaseVersion | None:
    assert place.value is not None
    try:
        return parse_version(place.value, place.scheme)
    except VersionError:
        return None


def _rendered(reference: VersionPlace, place: VersionPlace) -> str:
    """The reference's version as ``place`` writes it (``0.4.0rc1`` becomes ``0.4.0-rc.1`` in package.json)."""
    parsed = _parsed(reference)
    assert reference.value is not None
    return parsed.render(place.scheme) if parsed is not None else reference.value
