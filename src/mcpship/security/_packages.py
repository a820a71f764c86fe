"""What an artifact depends on, as plain records: read from the project's lock files (uv.lock, pylock.toml,
package-lock.json) or from declared requirements (``Requires-Dist``). Everything here is read as hostile input:
bounded counts, unknown shapes skipped, never a traceback."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

__all__ = [
    "Distribution",
    "Package",
    "lock_package_entries",
    "npm_integrity_hashes",
    "packages_from_npm_lock",
    "packages_from_pylock",
    "packages_from_requires_dist",
    "packages_from_uv_lock",
    "uv_lock_index",
]

Ecosystem = Literal["pypi", "npm"]
_MAX_PACKAGES = 100_000
_HASH_NAMES = {"sha256": "SHA-256", "sha384": "SHA-384", "sha512": "SHA-512", "sha1": "SHA-1", "md5": "MD5"}
_HEX_LENGTHS = {"SHA-256": 64, "SHA-384": 96, "SHA-512": 128, "SHA-1": 40, "MD5": 32}


@dataclass(frozen=True, order=True)
class Distribution:
    """One downloadable file of a package (a wheel, an sdist, an npm tarball) and its digests."""

    url: str
    hashes: tuple[tuple[str, str], ...] = ()
    """``(CycloneDX algorithm, lowercase hex)``, e.g. ``("SHA-256", "ab12…")``."""


@dataclass(frozen=True, order=True)
class Package:
    """One dependency of an artifact."""

    ecosystem: Ecosystem
    name: str
    version: str | None
    """The exact version; None when only a range is known (``requirement`` then says which)."""
    source: str
    """Where it was read: ``uv.lock``, ``pylock.toml``, ``package-lock.json``, ``Requires-Dist``, ``bundled``."""
    requirement: str | None = None
    """The declared, unresolved requirement (``>=2.3,<3; python_version >= "3.10"``) when not pinned."""
    hashes: tuple[tuple[str, str], ...] = ()
    distributions: tuple[Distribution, ...] = field(default=())
    optional: bool = False


def packages_from_uv_lock(data: Mapping[str, Any], project: str) -> list[Package]:
    """The runtime closure of ``project`` in a parsed ``uv.lock``: its ``dependencies`` (with the extras they
    ask for), followed transitively; ``dev-dependencies`` are left out. Markers are kept as they are (every
    platform's packages are listed, as in the lock)."""
    by_name: dict[str, list[Mapping[str, Any]]] = {}
    for entry in _tables(data.get("package")):
        name = entry.get("name")
        if isinstance(name, str):
            by_name.setdefault(canonicalize_name(name), []).append(entry)
    roots = by_name.get(canonicalize_name(project), [])
    queue: list[tuple[Mapping[str, Any], tuple[str, ...]]] = [(root, ()) for root in roots]
    seen: set[tuple[str, str, tuple[str, ...]]] = set()
    found: dict[tuple[str, str], Package] = {}
    while queue and len(seen) < _MAX_PACKAGES:
        entry, extras = queue.pop()
        key = (str(entry.get("name")), str(entry.get("version")), extras)
        if key in seen:
            continue
        seen.add(key)
        is_root = entry in roots
        if not is_root and isinstance(entry.get("version"), str):
            found.setdefault((key[0], key[1]), _uv_package(entry))
        wanted = list(_tables(entry.get("dependencies")))
        optional = entry.get("optional-dependencies")
        for extra in extras:
            wanted += _tables(optional.get(extra)) if isinstance(optional, Mapping) else []
        for dependency in wanted:
            candidates = by_name.get(canonicalize_name(str(dependency.get("name", ""))), [])
            version = dependency.get("version")
            chosen = [c for c in candidates if version is None or c.get("version") == version]
            asked = dependency.get("extra")
            asked_extras = tuple(sorted(str(e) for e in asked)) if isinstance(asked, list) else ()
            queue += [(candidate, asked_extras) for candidate in chosen]
    return sorted(found.values())


def uv_lock_index(data: Mapping[str, Any]) -> dict[tuple[str, str], Package]:
    """Every versioned package of a parsed ``uv.lock`` by (normalized name, version)."""
    index: dict[tuple[str, str], Package] = {}
    for entry in _tables(data.get("package"))[:_MAX_PACKAGES]:
        if isinstance(entry.get("name"), str) and isinstance(entry.get("version"), str):
            index[(canonicalize_name(entry["name"]), entry["version"])] = _uv_package(entry)
    return index


def _uv_package(entry: Mapping[str, Any]) -> Package:
    wheels = entry.get("wheels")
    files = [entry.get("sdist"), *(wheels if isinstance(wheels, list) else [])]
    distributions = []
    for file in files:
        if isinstance(file, Mapping) and isinstance(file.get("url"), str):
            hashes = _prefixed_hash(file.get("hash"))
            distributions.append(Distribution(url=file["url"], hashes=hashes))
    return Package(
        ecosystem="pypi",
        name=str(entry["name"]),
        version=str(entry["version"]),
        source="uv.lock",
        distributions=tuple(sorted(distributions)),
    )


def packages_from_pylock(data: Mapping[str, Any], project: str) -> list[Package]:
    """Every package of a parsed PEP 751 ``pylock.toml`` but the project itself (the lock has no graph: it is
    one install set)."""
    found: list[Package] = []
    for entry in _tables(data.get("packages"))[:_MAX_PACKAGES]:
        name = entry.get("name")
        if not isinstance(name, str) or canonicalize_name(name) == canonicalize_name(project):
            continue
        wheels = entry.get("wheels")
        files = [entry.get("sdist"), entry.get("archive"), *(wheels if isinstance(wheels, list) else [])]
        distributions = []
        for file in files:
            if isinstance(file, Mapping) and isinstance(file.get("url"), str):
                hashes = file.get("hashes")
                pairs = _named_hashes(hashes) if isinstance(hashes, Mapping) else ()
                distributions.append(Distribution(url=file["url"], hashes=pairs))
        version = entry.get("version")
        found.append(
            Package(
                ecosystem="pypi",
                name=name,
                version=version if isinstance(version, str) else None,
                source="pylock.toml",
                requirement=None if isinstance(version, str) else "(not recorded in pylock.toml)",
                distributions=tuple(sorted(distributions)),
            )
        )
    return sorted(found)


def packages_from_requires_dist(requirements: Iterable[str]) -> list[Package]:
    """Declared requirements as they are: a package is pinned only by an exact ``==`` without a marker; any
    other keeps its range (and marker) in ``requirement``, with no version."""
    found: dict[str, Package] = {}
    for line in list(requirements)[:_MAX_PACKAGES]:
        try:
            requirement = Requirement(line)
        except InvalidRequirement:
            continue
        specifiers = list(requirement.specifier)
        exact = len(specifiers) == 1 and specifiers[0].operator in ("==", "===") and "*" not in specifiers[0].version
        pinned = exact and requirement.marker is None
        text = str(requirement.specifier) or "(any version)"
        if requirement.marker is not None:
            text += f"; {requirement.marker}"
        package = Package(
            ecosystem="pypi",
            name=requirement.name,
            version=specifiers[0].version if pinned else None,
            source="Requires-Dist",
            requirement=None if pinned else text,
            optional=requirement.marker is not None and "extra" in str(requirement.marker),
        )
        found.setdefault(str(package.requirement) + canonicalize_name(requirement.name), package)
    return sorted(found.values())


def lock_package_entries(data: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """``packages`` of a parsed package-lock.json (lockfileVersion 2 and 3), by install path."""
    packages = data.get("packages")
    if not isinstance(packages, Mapping):
        return {}
    return {key: value for key, value in list(packages.items())[:_MAX_PACKAGES] if isinstance(value, Mapping)}


def packages_from_npm_lock(data: Mapping[str, Any]) -> list[Package]:
    """The production packages of a parsed package-lock.json: every installed entry not marked ``dev``."""
    found: dict[tuple[str, str], Package] = {}
    for path, entry in lock_package_entries(data).items():
        if "node_modules/" not in path or entry.get("dev") is True or entry.get("link") is True:
            continue
        package = npm_package(path, entry, source="package-lock.json")
        if package is not None:
            found.setdefault((package.name, str(package.version)), package)
    return sorted(found.values())


def npm_package(path: str, entry: Mapping[str, Any], *, source: str) -> Package | None:
    """A lock entry (or an installed package.json) at install path ``path`` as a :class:`Package`."""
    name = entry.get("name")
    if not isinstance(name, str):
        name = path.rpartition("node_modules/")[2]
    version = entry.get("version")
    if not name or not isinstance(version, str):
        return None
    resolved = entry.get("resolved")
    hashes = npm_integrity_hashes(entry.get("integrity"))
    distributions = (Distribution(url=resolved, hashes=hashes),) if isinstance(resolved, str) and resolved else ()
    return Package(
        ecosystem="npm",
        name=name,
        version=version,
        source=source,
        hashes=hashes,
        distributions=distributions,
        optional=entry.get("optional") is True,
    )


def npm_integrity_hashes(integrity: object) -> tuple[tuple[str, str], ...]:
    """Subresource-integrity text (``sha512-BASE64 sha1-BASE64``) as ``(algorithm, hex)`` pairs."""
    if not isinstance(integrity, str):
        return ()
    pairs = []
    for token in integrity.split()[:8]:
        algorithm, _, encoded = token.partition("-")
        name = _HASH_NAMES.get(algorithm.lower())
        try:
            digest = base64.b64decode(encoded, validate=True).hex()
        except (binascii.Error, ValueError):
            continue
        if name is not None and len(digest) == _HEX_LENGTHS[name]:  # a truncated digest is no digest
            pairs.append((name, digest))
    return tuple(sorted(pairs))


def _prefixed_hash(value: object) -> tuple[tuple[str, str], ...]:
    """``sha256:ab12…`` (uv.lock's form) as one ``(algorithm, hex)`` pair."""
    if not isinstance(value, str):
        return ()
    algorithm, _, digest = value.partition(":")
    return _named_hashes({algorithm: digest})


def _named_hashes(hashes: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    pairs = []
    for algorithm, digest in hashes.items():
        name = _HASH_NAMES.get(str(algorithm).lower())
        if name is not None and isinstance(digest, str) and _is_hex(digest) and len(digest) == _HEX_LENGTHS[name]:
            pairs.append((name, digest.lower()))
    return tuple(sorted(pairs))


def _is_hex(text: str) -> bool:
    return 0 < len(text) <= 128 and all(char in "0123456789abcdefABCDEF" for char in text)


def _tables(value: object) -> list[Mapping[str, Any]]:
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []
