"""The one list of well-known secret files every target leaves out of what it packs, unless the spec's
``[files] include`` names them, and the warning that says what was left out.

It applies to the project's own files: the sdist and wheel (whatever the build backend packs), the npm tarball
(whatever ``npm pack`` packs), the MCPB bundle's project files, the OCI image's app layer and the Dockerfile's
build context (``Dockerfile.dockerignore``). Dependencies (``node_modules``, installed wheels) are the published
packages' own files and are not filtered: ``certifi`` ships ``cacert.pem`` on purpose.

Patterns use gitignore syntax and match at any depth: ``**/`` is written wherever a pattern holds a ``/``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TypeVar

import pathspec
import tomlkit

from mcpship._reporter import Reporter
from mcpship.spec.load import ResolvedSpec

__all__ = ["SECRET_FILE_PATTERNS", "SecretFiles", "dockerignore_lines", "warn_left_out"]

SECRET_FILE_PATTERNS: tuple[str, ...] = (
    # environment files hold the real values; the templates people commit for others to copy stay
    ".env",
    ".env.*",
    "!.env.example",
    "!.env.sample",
    "!.env.template",
    ".envrc",
    # credentials of package registries, git, cloud and container tools
    ".npmrc",
    ".yarnrc",
    ".yarnrc.yml",
    ".pypirc",
    ".netrc",
    "_netrc",
    ".git-credentials",
    ".htpasswd",
    "**/.docker/config.json",
    ".aws/",
    ".azure/",
    ".kube/",
    ".ssh/",
    ".gnupg/",
    "client_secret*.json",
    # private keys and key stores (an SSH public key, id_rsa.pub, is not matched)
    "id_rsa",
    "id_dsa",
    "id_ecdsa",
    "id_ed25519",
    "id_ecdsa_sk",
    "id_ed25519_sk",
    "*.pem",
    "*.key",
    "*.p12",
    "*.pfx",
    "*.jks",
    "*.keystore",
    "*.ppk",
    # Terraform state holds every secret of the infrastructure it describes
    "*.tfstate",
    "*.tfstate.backup",
)

_T = TypeVar("_T")
_SHOWN = 10
# Never walked when listing what a Dockerfile's context would carry: ignored by it anyway, and large.
_UNWALKED = frozenset({".git", ".hg", ".svn", "node_modules", ".venv", "venv", "__pycache__", ".tox", ".nox"})


class SecretFiles:
    """Which paths (from the project root, ``/``-separated) are secret files left out of a package."""

    def __init__(self, include: Iterable[str] = ()) -> None:
        self.include = tuple(include)
        self._secret = pathspec.GitIgnoreSpec.from_lines(SECRET_FILE_PATTERNS)
        self._included = pathspec.GitIgnoreSpec.from_lines(self.include)

    @classmethod
    def for_spec(cls, resolved: ResolvedSpec) -> SecretFiles:
        return cls(resolved.spec.files.include)

    def looks_secret(self, path: str) -> bool:
        """Whether ``path`` is a well-known secret file, included or not."""
        return self._secret.match_file(path)

    def included(self, path: str) -> bool:
        return self._included.match_file(path)

    def left_out(self, path: str) -> bool:
        """Whether ``path`` stays out: it looks like a secret and ``[files] include`` does not name it."""
        return self.looks_secret(path) and not self.included(path)

    def split(self, files: Mapping[str, _T]) -> tuple[dict[str, _T], list[str]]:
        """``(files that are packed, sorted paths left out)``."""
        kept = {name: value for name, value in files.items() if not self.left_out(name)}
        return kept, sorted(set(files) - set(kept))

    def in_tree(self, root: Path) -> list[str]:
        """The secret files under ``root`` that are left out (symlinks not followed; VCS, virtualenvs and
        ``node_modules`` not entered), for the warning about a build context mcpship does not pack itself."""
        found: list[str] = []
        pending = [(root, "")]
        while pending:
            directory, prefix = pending.pop()
            try:
                entries = sorted(os.scandir(directory), key=lambda entry: entry.name)
            except OSError:
                continue
            for entry in entries:
                name = prefix + entry.name
                if entry.is_dir(follow_symlinks=False):
                    if entry.name not in _UNWALKED:
                        pending.append((Path(entry.path), name + "/"))
                elif self.left_out(name):
                    found.append(name)
        return sorted(found)


def dockerignore_lines(secrets: SecretFiles) -> list[str]:
    """The secret patterns in ``.dockerignore`` syntax (anchored at the context root, ``**/`` for any depth),
    then a ``!`` exception for each ``[files] include``."""
    lines = [_docker_pattern(pattern) for pattern in SECRET_FILE_PATTERNS]
    for pattern in secrets.include:
        body = pattern.rstrip("/")
        if body.startswith("/"):
            body = body[1:]
        elif "/" not in body and not body.startswith("**"):
            body = "**/" + body
        lines.append("!" + body)
    return lines


def _docker_pattern(pattern: str) -> str:
    negated = pattern.startswith("!")
    body = pattern.removeprefix("!").rstrip("/")
    if not body.startswith("**/"):
        body = "**/" + body
    return ("!" if negated else "") + body


def warn_left_out(
    reporter: Reporter, resolved: ResolvedSpec, *, where: str, left_out: Sequence[str], verb: str = "left out"
) -> None:
    """Say which secret files ``where`` (``the sdist``, ``the bundle``, ...) does not carry, and how to pack one."""
    if not left_out:
        return
    shown = ", ".join(name if name.isprintable() else json.dumps(name) for name in left_out[:_SHOWN])
    more = f" and {len(left_out) - _SHOWN} more" if len(left_out) > _SHOWN else ""
    reporter.warn(
        f"{verb} of {where}, as they look like secrets: {shown}{more}. To pack one anyway, name it in"
        f" {_include_key(resolved)}, e.g. include = [{tomlkit.item(left_out[0]).as_string()}] (see docs/build.md)"
    )


def _include_key(resolved: ResolvedSpec) -> str:
    source = resolved.source
    if source is not None and source.name == "pyproject.toml":
        return f"[tool.mcpship.files] of {source}"
    return f"[files] of {source or resolved.root / 'mcpship.toml'}"
