"""The project's version: every place it lives, whether they agree, the next version, and writing it back.

``find_version_places`` finds them (pyproject.toml or the dynamic version's file, package.json and
package-lock.json, mcpship.toml, server.json, the MCPB manifest, Dockerfile labels); ``check_versions_in_sync``
names each place that disagrees; ``next_version`` / ``required_next_version`` / ``bump_is_sufficient`` do the
arithmetic (semver, with 0.x's minor playing the major's role); ``bump_project`` writes the new version everywhere,
keeping every other byte of each file.
"""

from mcpship.versioning.bump import BumpPlan, PlannedChange, apply_bump, bump_project, plan_bump
from mcpship.versioning.next_version import (
    BumpLevel,
    PreLabel,
    ReleaseVersion,
    Scheme,
    Severity,
    bump_is_sufficient,
    next_version,
    parse_any,
    parse_version,
    required_next_version,
)
from mcpship.versioning.places import GIT_TAG, VersionPlace, find_version_places
from mcpship.versioning.sync import VersionsReport, check_versions_in_sync

__all__ = [
    "GIT_TAG",
    "BumpLevel",
    "BumpPlan",
    "PlannedChange",
    "PreLabel",
    "ReleaseVersion",
    "Scheme",
    "Severity",
    "VersionPlace",
    "VersionsReport",
    "apply_bump",
    "bump_is_sufficient",
    "bump_project",
    "check_versions_in_sync",
    "find_version_places",
    "next_version",
    "parse_any",
    "parse_version",
    "plan_bump",
    "required_next_version",
]
