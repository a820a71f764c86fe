"""Version arithmetic: parse a place's version (semver or PEP 440), compute the next one, render it per place.

One :class:`ReleaseVersion` stands for ``0.4.0-rc.1`` (semver: npm, server.json, MCPB, OCI) and ``0.4.0rc1``
(PEP 440: Python files) alike, so places written in either scheme compare equal when they mean the same release.

Pre-releases follow node-semver's ``inc``: ``0.3.0`` + ``minor --pre rc`` → ``0.4.0-rc.1``, again → ``0.4.0-rc.2``,
``--pre`` with a later label → ``0.4.0-rc.1`` from a beta, and ``minor`` alone → ``0.4.0`` (the release the
pre-releases led to, not ``0.5.0``).

Under 0.x the minor plays the major's role (semver §4, cargo's rule): a breaking change needs ``0.3.0 → 0.4.0`` and a
new feature ``0.3.0 → 0.3.1``. ``0.0.z`` is treated like ``0.y.z`` (a breaking change bumps the minor), which is
stricter than cargo's "every 0.0.z is breaking" and keeps one rule to remember.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, get_args

import semver
from packaging.version import InvalidVersion, Version

from mcpship._exceptions import VersionError

__all__ = [
    "BumpLevel",
    "PreLabel",
    "ReleaseVersion",
    "Scheme",
    "Severity",
    "bump_is_sufficient",
    "next_version",
    "parse_any",
    "parse_version",
    "required_next_version",
]

BumpLevel = Literal["major", "minor", "patch"]
Severity = Literal["patch", "minor", "major"]
PreLabel = Literal["alpha", "beta", "rc"]
Scheme = Literal["semver", "pep440"]

_LEVELS: tuple[BumpLevel, ...] = get_args(BumpLevel)
_LABELS: tuple[PreLabel, ...] = get_args(PreLabel)  # in precedence order
_PEP440_LABEL: dict[str, PreLabel] = {"a": "alpha", "b": "beta", "rc": "rc"}
_PEP440_SHORT = {"alpha": "a", "beta": "b", "rc": "rc"}
_SEMVER_PRE = re.compile(r"^(alpha|beta|rc)\.([0-9]+)$")
_MAX_TEXT = 256
_FIX = "pass the version to start from with --from X.Y.Z (and sync the places by hand later if you prefer)"


@dataclass(frozen=True, order=True)
class ReleaseVersion:
    """``major.minor.patch`` and an optional ``(label, number)`` pre-release; ordered by precedence."""

    major: int
    minor: int
    patch: int
    pre: tuple[PreLabel, int] | None = None

    @property
    def core(self) -> tuple[int, int, int]:
        return (self.major, self.minor, self.patch)

    def precedence(self) -> tuple[int, int, int, int, int]:
        """A final release ranks above its pre-releases (``0.4.0-rc.2 < 0.4.0``)."""
        if self.pre is None:
            return (*self.core, len(_LABELS), 0)
        return (*self.core, _LABELS.index(self.pre[0]), self.pre[1])

    def render(self, scheme: Scheme) -> str:
        """``0.4.0-rc.1`` for semver places, ``0.4.0rc1`` for PEP 440 ones."""
        core = f"{self.major}.{self.minor}.{self.patch}"
        if self.pre is None:
            return core
        label, number = self.pre
        if scheme == "pep440":
            return f"{core}{_PEP440_SHORT[label]}{number}"
        return f"{core}-{label}.{number}"

    def __str__(self) -> str:
        return self.render("semver")


def parse_version(text: str, scheme: Scheme, *, where: str = "the version") -> ReleaseVersion:
    """``text`` read in ``scheme``; raise :class:`VersionError` naming ``where`` when mcpship cannot bump it."""
    text = text.strip()
    if len(text) > _MAX_TEXT:
        raise VersionError(f"{where}: the version is {len(text)} characters long", hint=_FIX)
    parsed = _parse_pep440(text) if scheme == "pep440" else _parse_semver(text)
    if parsed is None:
        form = "X.Y.Z or X.Y.ZrcN (PEP 440)" if scheme == "pep440" else "X.Y.Z or X.Y.Z-rc.N (semver)"
        raise VersionError(
            f"{where}: cannot read the version {text!r} as {form}, with an optional alpha, beta or rc pre-release",
            hint=_FIX,
        )
    return parsed


def _parse_semver(text: str) -> ReleaseVersion | None:
    try:
        version = semver.Version.parse(text)
    except (ValueError, TypeError):
        return None
    if version.build:
        return None
    pre: tuple[PreLabel, int] | None = None
    if version.prerelease:
        match = _SEMVER_PRE.match(version.prerelease)
        if match is None:
            return None
        pre = (_label(match.group(1)), int(match.group(2)))
    return ReleaseVersion(version.major, version.minor, version.patch, pre)


def _parse_pep440(text: str) -> ReleaseVersion | None:
    try:
        version = Version(text)
    except InvalidVersion:
        return None
    if version.epoch or version.post is not None or version.dev is not None or version.local:
        return None
    if len(version.release) > 3:
        return None
    major, minor, patch = (*version.release, 0, 0)[:3]
    pre = (_PEP440_LABEL[version.pre[0]], version.pre[1]) if version.pre else None
    return ReleaseVersion(major, minor, patch, pre)


def _label(text: str) -> PreLabel:
    for label in _LABELS:
        if label == text:
            return label
    raise AssertionError(text)  # the regex admits only the three labels


def next_version(current: ReleaseVersion, level: BumpLevel, pre: PreLabel | None = None) -> ReleaseVersion:
    """The version after ``current`` for ``level``, as a ``pre`` pre-release when given.

    A pre-release already on its way to ``level``'s next release continues (``rc.1`` → ``rc.2``, ``beta.3`` →
    ``rc.1``) or becomes that release (``0.4.0-rc.2`` + ``minor`` → ``0.4.0``); moving back to an earlier label
    (``rc`` → ``beta``) is refused.
    """
    target = _release_after(current, level)
    if pre is None:
        return target
    if current.pre is not None and current.core == target.core:
        label, number = current.pre
        if label == pre:
            return ReleaseVersion(*target.core, (pre, number + 1))
        if _LABELS.index(pre) < _LABELS.index(label):
            raise VersionError(
                f"cannot bump {current} to a {pre} pre-release: {pre} comes before {label}",
                hint=f"use --pre {label} for the next {label}, a later label, or no --pre for {target}",
            )
    return ReleaseVersion(*target.core, (pre, 1))


def _release_after(current: ReleaseVersion, level: BumpLevel) -> ReleaseVersion:
    """The final release ``level`` leads to; a pre-release of that very release becomes it (node-semver's inc)."""
    major, minor, patch = current.core
    leads_here = level == "patch" or (level == "minor" and patch == 0) or (level == "major" and minor == patch == 0)
    if current.pre is not None and leads_here:
        return ReleaseVersion(major, minor, patch)
    if level == "major":
        return ReleaseVersion(major + 1, 0, 0)
    if level == "minor":
        return ReleaseVersion(major, minor + 1, 0)
    return ReleaseVersion(major, minor, patch + 1)


def effective_level(released: ReleaseVersion, severity: Severity) -> BumpLevel:
    """The bump a change of ``severity`` needs after ``released``: under 0.x, one level lower (semver §4)."""
    if released.major == 0 and severity != "patch":
        return "minor" if severity == "major" else "patch"
    return severity


def required_next_version(current: ReleaseVersion | str, required_severity: Severity) -> ReleaseVersion:
    """The smallest version after the released ``current`` that a change of ``required_severity`` allows:
    ``1.2.3`` + major → ``2.0.0``; ``0.3.0`` + major → ``0.4.0``, + minor → ``0.3.1``. A string is read as semver,
    else PEP 440."""
    current = _coerce(current, "the released version")
    return _release_after(current, effective_level(current, required_severity))


def bump_is_sufficient(
    released: ReleaseVersion | str, current: ReleaseVersion | str, required: Severity | None
) -> bool:
    """Whether going from ``released`` to ``current`` is a big enough bump for changes of ``required`` severity
    (None: nothing changed, so any version not below ``released`` is fine). A pre-release of the required version
    counts (``0.4.0-rc.1`` suffices where ``0.4.0`` is required)."""
    released = _coerce(released, "the released version")
    current = _coerce(current, "the current version")
    if required is None:
        return current.precedence() >= released.precedence()
    if current.precedence() <= released.precedence():
        return False
    return current.core >= required_next_version(released, required).core


def parse_any(text: str, *, where: str = "the version") -> ReleaseVersion:
    """``text`` as semver (``0.4.0-rc.1``), else as PEP 440 (``0.4.0rc1``)."""
    try:
        return parse_version(text, "semver", where=where)
    except VersionError:
        return parse_version(text, "pep440", where=where)


def _coerce(value: ReleaseVersion | str, where: str) -> ReleaseVersion:
    return value if isinstance(value, ReleaseVersion) else parse_any(value, where=where)


def as_level(text: str) -> BumpLevel:
    for level in _LEVELS:
        if level == text:
            return level
    raise VersionError(f"unknown bump level {text!r}", hint="use major, minor or patch")
