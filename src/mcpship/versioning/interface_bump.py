"""The bump the interface changes since the last release require: the lock kept at the release's git tag against the
server as it is now (``bump auto``, the refusal of a too-small explicit bump, and ``mcpship check``'s bump gate).

The last release is the highest version tag (``v1.2.0`` or ``1.2.0``) merged into HEAD; its interface is the
``mcp-interface.json`` committed at that tag, the one ``mcpship release`` locked and tagged.
"""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mcpship._exceptions import InterfaceChangeError, ToolchainError, VersionError
from mcpship.versioning.next_version import (
    BumpLevel,
    ReleaseVersion,
    bump_is_sufficient,
    effective_level,
    parse_any,
    required_next_version,
)

if TYPE_CHECKING:
    from mcpship._reporter import Reporter
    from mcpship.interface.semver import Classification

__all__ = ["InterfaceBump", "LastRelease", "interface_bump", "last_release", "refuse_insufficient_bump"]

_GIT_TIMEOUT = 10.0
_MAX_TAGS = 10_000  # a repository's tag list is read whole; more than this is not a release history we can judge
_SHOWN_RULES = 12


@dataclass(frozen=True)
class LastRelease:
    tag: str
    version: ReleaseVersion


@dataclass(frozen=True)
class InterfaceBump:
    """What changed in the interface since ``release``, and the bump that asks for."""

    release: LastRelease
    classification: Classification

    @property
    def level(self) -> BumpLevel:
        """The smallest bump after the release (under 0.x the minor plays the major's role); patch when the
        interface did not change (a release of fixes only)."""
        return effective_level(self.release.version, self.classification.bump or "patch")

    @property
    def required(self) -> ReleaseVersion:
        return required_next_version(self.release.version, self.classification.bump or "patch")

    def suffices(self, version: ReleaseVersion) -> bool:
        return bump_is_sufficient(self.release.version, version, self.classification.bump)


def last_release(directory: Path | str) -> LastRelease | None:
    """The highest version tag merged into HEAD; None outside a git repository or before the first release tag."""
    root = Path(directory)
    try:
        completed = subprocess.run(
            ["git", "tag", "--merged", "HEAD", "--list"],
            cwd=root, stdin=subprocess.DEVNULL, capture_output=True, timeout=_GIT_TIMEOUT, check=False,
        )  # fmt: skip
    except FileNotFoundError as exc:
        raise ToolchainError("git is not installed", hint="install git, or give the bump level yourself") from exc
    except subprocess.TimeoutExpired as exc:
        raise VersionError(f"{root}: git tag took over {_GIT_TIMEOUT:.0f} s", hint="run it again") from exc
    if completed.returncode != 0:
        return None  # not a repository, or no commit yet: there is no release to compare with
    found: list[LastRelease] = []
    for tag in completed.stdout.decode(errors="replace").splitlines()[:_MAX_TAGS]:
        text = tag.strip()
        try:
            found.append(LastRelease(text, parse_any(text.removeprefix("v"), where=f"git tag {text}")))
        except VersionError:
            continue  # not a version tag (a marker, another project's tag): not a release of this one
    return max(found, key=lambda release: release.version.precedence(), default=None)


def interface_bump(
    directory: Path | str,
    *,
    release: LastRelease | None = None,
    against_lock: bool = False,
    env: Mapping[str, str] | None = None,
    timeout: float = 60.0,
    reporter: Reporter | None = None,
) -> InterfaceBump | None:
    """The changes from the last release's lock to the live server (``against_lock``: to the project's lock file);
    None when there is no release tag yet."""
    from mcpship.interface.lock import LOCK_FILE
    from mcpship.interface.sides import diff_interfaces

    root = Path(directory).resolve()
    release = release or last_release(root)
    if release is None:
        return None
    new_side = LOCK_FILE if against_lock else "."
    diff = diff_interfaces(f"git:{release.tag}", new_side, cwd=root, env=env, timeout=timeout, reporter=reporter)
    return InterfaceBump(release, diff.classification)


def refuse_insufficient_bump(bump: InterfaceBump, version: ReleaseVersion, *, what: str) -> None:
    """Raise :class:`InterfaceChangeError` naming the rules when ``version`` is too small a step from the release."""
    if bump.suffices(version):
        return
    changes = [c for c in bump.classification.changes if c.severity == bump.classification.bump]
    rules = sorted({f"{c.rule} ({c.kind} {c.key})" for c in changes})
    shown = ", ".join(rules[:_SHOWN_RULES]) + (
        f", and {len(rules) - _SHOWN_RULES} more" if len(rules) > _SHOWN_RULES else ""
    )
    raise InterfaceChangeError(
        f"{what} {version} is too small a step from the last release {bump.release.tag}: the interface changes "
        f"since then need a {bump.classification.bump} change, at least {bump.required} ({shown})",
        hint=f"bump {bump.level} (or `mcpship bump auto`), or revert those changes; "
        f"`mcpship diff git:{bump.release.tag} .` lists each one",
        classification=bump.classification,
    )
