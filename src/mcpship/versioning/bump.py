"""``mcpship bump``: compute the next version and write it to every place, or show what would change.

All files are prepared and checked before any is written: a file that changed since it was read is refused (never
clobbered), and each is written atomically, then read back.
"""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from mcpship._atomic import write_text_atomic
from mcpship._exceptions import LockError, VersionError
from mcpship._safe_load import MAX_LOCKFILE_BYTES, read_bytes
from mcpship.versioning.formats import Locator, read_value, replace_values
from mcpship.versioning.next_version import (
    BumpLevel,
    PreLabel,
    ReleaseVersion,
    next_version,
    parse_any,
    parse_version,
)
from mcpship.versioning.places import GIT_TAG, ProjectFile, VersionPlace
from mcpship.versioning.sync import check_versions_in_sync

if TYPE_CHECKING:
    from mcpship.versioning.interface_bump import InterfaceBump

__all__ = ["BumpPlan", "PlannedChange", "apply_bump", "bump_project", "describe_new", "plan_bump"]

_BOM = "\ufeff"
_GIT_TIMEOUT = 10.0


@dataclass(frozen=True)
class PlannedChange:
    place: VersionPlace
    old: str | None
    new: str | None
    """The new value as this place writes it; None when the git tag sets the version (nothing to write)."""


@dataclass(frozen=True)
class BumpPlan:
    root: Path
    current: ReleaseVersion
    new: ReleaseVersion
    changes: list[PlannedChange]
    files: dict[Path, ProjectFile]
    written: bool = False
    interface: str | None = None
    """What the interface check since the last release found (or why it could not run); None: not asked."""

    @property
    def tag(self) -> str:
        """The git tag of the new version, as `mcpship release` will create it."""
        return f"v{self.new}"


def plan_bump(
    directory: Path | str, level: BumpLevel, *, pre: PreLabel | None = None, from_version: str | None = None
) -> BumpPlan:
    """What ``bump`` would write. Places that disagree are refused (each named) unless ``from_version`` says which
    version to bump from; then every place gets the new version."""
    report = check_versions_in_sync(directory)
    if from_version is not None:
        current = parse_any(from_version, where="--from")
    elif not report.in_sync:
        raise report.error()
    elif report.reference is None or report.reference.value is None:
        current = _latest_tag_version(report.root)
    else:
        current = parse_version(
            report.reference.value,
            report.reference.scheme,
            where=f"{report.reference.relative(report.root)} {report.reference.field}",
        )
    new = next_version(current, level, pre)
    changes = [
        PlannedChange(place, place.value, None if place.value is None else new.render(place.scheme))
        for place in report.places
    ]
    return BumpPlan(root=report.root, current=current, new=new, changes=changes, files=report.files)


def bump_project(
    directory: Path | str,
    level: BumpLevel | Literal["auto"],
    *,
    pre: PreLabel | None = None,
    from_version: str | None = None,
    dry_run: bool = False,
    check_interface: bool = True,
    env: Mapping[str, str] | None = None,
    timeout: float = 60.0,
) -> BumpPlan:
    """Plan the bump and, unless ``dry_run``, write it. The one library call behind ``mcpship bump``.

    ``auto``: the level the interface changes since the last release tag require (the lock committed at that tag
    against the live server; under 0.x a breaking change bumps the minor). An explicit level is checked the same
    way when there is a release tag, and refused with the rule ids when it is too small (``check_interface=False``
    skips the check)."""
    from mcpship.versioning.interface_bump import interface_bump, last_release, refuse_insufficient_bump

    release = last_release(directory) if level == "auto" or check_interface else None
    if level == "auto":
        if release is None:
            raise VersionError(
                f"{directory}: no release tag to compare the interface with (bump auto diffs against the last one)",
                hint="tag the last release (git tag vX.Y.Z, with its mcp-interface.json committed), or give the "
                "level: mcpship bump major|minor|patch",
            )
        found = interface_bump(directory, release=release, env=env, timeout=timeout)
        if found is None:  # unreachable: a release was given
            raise AssertionError(release)
        current = check_versions_in_sync(directory)
        ahead = current.reference is not None and current.reference.value is not None and from_version is None
        # A pre-release on its way continues from itself (rc.1 -> rc.2); anything else is a step from the release.
        if not (ahead and _is_pre_release(current.reference.value if current.reference else None)):
            from_version = from_version or str(release.version)
        plan = replace(plan_bump(directory, found.level, pre=pre, from_version=from_version), interface=_found(found))
    else:
        plan = plan_bump(directory, level, pre=pre, from_version=from_version)
        if release is not None:
            try:
                found = interface_bump(directory, release=release, env=env, timeout=timeout)
            except LockError as exc:  # the release kept no lock: nothing to judge the bump by
                plan = replace(plan, interface=f"not checked: {exc.message}")
            else:
                if found is not None:
                    refuse_insufficient_bump(found, plan.new, what=f"bump {level} gives")
                    plan = replace(plan, interface=_found(found))
    return plan if dry_run else apply_bump(plan)


def _found(found: InterfaceBump) -> str:
    changes = len(found.classification.changes)
    if not changes:
        return f"no interface change since {found.release.tag}"
    return (
        f"{changes} interface change{'s' if changes != 1 else ''} since {found.release.tag}: "
        f"a {found.classification.bump} change, at least {found.required}"
    )


def _is_pre_release(value: str | None) -> bool:
    if value is None:
        return False
    try:
        return parse_any(value).pre is not None
    except VersionError:
        return False


def apply_bump(plan: BumpPlan) -> BumpPlan:
    """Write every change of ``plan``; raise :class:`VersionError` before writing anything if a file changed since
    it was read or an edit would touch more than the version."""
    by_file: dict[Path, list[tuple[Locator, str]]] = {}
    for change in plan.changes:
        if change.new is not None and change.place.locator is not None and change.new != change.old:
            by_file.setdefault(change.place.file, []).append((change.place.locator, change.new))
    prepared: list[tuple[Path, str]] = []
    for path, edits in by_file.items():
        original = plan.files[path]
        _refuse_if_changed(original)
        try:
            text = replace_values(original.text, edits)
        except VersionError as exc:
            raise VersionError(f"{path}: {exc.message}", hint=exc.hint) from exc
        prepared.append((path, _BOM + text if original.data.startswith(_BOM.encode()) else text))
    for path, _text in prepared:  # once more right before writing: a partial bump is worse than none
        _refuse_if_changed(plan.files[path])
    for path, text in prepared:
        write_text_atomic(path, text)
    for path, edits in by_file.items():
        written = ProjectFile(path, read_bytes(path, error=VersionError, max_bytes=MAX_LOCKFILE_BYTES)).text
        for locator, new in edits:
            if read_value(locator, written) != new:
                raise VersionError(f"{path}: the version read back is not {new!r}", hint="check the file by hand")
    return replace(plan, written=True)


def _refuse_if_changed(original: ProjectFile) -> None:
    now = read_bytes(original.path, error=VersionError, max_bytes=MAX_LOCKFILE_BYTES)
    if now != original.data:
        raise VersionError(
            f"{original.path}: changed while mcpship was bumping the version; nothing was written",
            hint="run the command again once the file is saved",
        )


def _latest_tag_version(root: Path) -> ReleaseVersion:
    """The version of the nearest tag (``v1.2.0`` or ``1.2.0``): where setuptools-scm and hatch-vcs read it."""
    try:
        completed = subprocess.run(
            ["git", "describe", "--tags", "--abbrev=0"],
            cwd=root, stdin=subprocess.DEVNULL, capture_output=True, timeout=_GIT_TIMEOUT, check=False,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise _no_tag(root, f"git describe could not run ({exc})") from exc
    tag = completed.stdout.decode(errors="replace").strip()[:256]
    if completed.returncode != 0 or not tag:
        raise _no_tag(root, "git describe found no tag")
    try:
        return parse_any(tag.removeprefix("v"), where=f"git tag {tag}")
    except VersionError as exc:
        raise _no_tag(root, f"the nearest tag {tag!r} is not a version mcpship can bump") from exc


def _no_tag(root: Path, why: str) -> VersionError:
    return VersionError(
        f"{root}: the version comes from git tags only, and {why}",
        hint="tag the last release (git tag vX.Y.Z), or pass the current version with --from X.Y.Z",
    )


def describe_new(change: PlannedChange, plan: BumpPlan) -> str:
    """What a table shows as the new value: the version, or what the git tag will be."""
    return change.new if change.new is not None else f"{GIT_TAG} ({plan.tag})"
