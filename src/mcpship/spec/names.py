"""The server's MCP Registry name and repository, from the project's git remote.

The registry grants ``io.github.<owner>/*`` to a GitHub user or organisation (registry.md §3.1); no other forge
has an auth method, so a GitLab or self-hosted remote names the repository but cannot prove a namespace, and
reverse-DNS names need the DNS or HTTP proof of a domain the remote does not show. ``mcpship init`` writes the
placeholder :data:`~mcpship.spec.model.PLACEHOLDER_NAMESPACE` then, and ``build``, ``ship`` and ``validate``
refuse it with the name to use.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from mcpship._exceptions import SpecError
from mcpship.spec.model import PLACEHOLDER_NAMESPACE, is_placeholder_name

__all__ = [
    "GitRemote",
    "NameSuggestion",
    "parse_remote_url",
    "read_git_remote",
    "refuse_placeholder_name",
    "server_part",
    "suggest_name",
]

_GIT_TIMEOUT = 10.0
_MAX_URL = 2048
_FORGES = {"github.com": "github", "www.github.com": "github", "gitlab.com": "gitlab", "www.gitlab.com": "gitlab"}
# What the registry's github-at / github-oidc methods accept as a login or organisation (registry.md §3.1).
_GITHUB_OWNER = re.compile(r"^[A-Za-z0-9-]+$")
_SCP_LIKE = re.compile(r"^(?:[^@/\s]+@)?([^:/\s]+):(?!//)(.+)$")  # git@github.com:owner/repo.git


@dataclass(frozen=True, kw_only=True)
class GitRemote:
    """Where a remote points: ``host``/``path`` as written, ``https_url`` without credentials or ``.git``."""

    host: str
    path: tuple[str, ...]
    forge: str | None
    """``github`` or ``gitlab`` for the hosted forges the MCP Registry accepts as repositories; else None."""

    @property
    def https_url(self) -> str:
        return f"https://{self.host}/{'/'.join(self.path)}"

    @property
    def owner_and_repo(self) -> tuple[str, str] | None:
        """Owner and repository on a forge the registry accepts (exactly two path segments there), else None."""
        if self.forge is None or len(self.path) != 2:
            return None
        return self.path[0], self.path[1]


@dataclass(frozen=True, kw_only=True)
class NameSuggestion:
    name: str
    repository: str | None
    """The https URL of the repository, when the remote is on GitHub or GitLab."""
    subfolder: str | None
    """The project's folder inside the repository (a monorepo), ``/``-separated; None at its root."""
    note: str | None
    """Why the placeholder namespace was written, and what to do; None when the remote named the namespace."""


def parse_remote_url(url: str) -> GitRemote | None:
    """``https://github.com/o/r.git``, ``git@github.com:o/r.git``, ``ssh://git@host:22/o/r`` -> host and path.

    Credentials in the URL (``https://user:token@...``) never reach the result. None for local paths and URLs
    that name no repository."""
    url = url.strip().removeprefix("git+")  # npm's "git+https://..." repository form
    if not url or len(url) > _MAX_URL or not url.isprintable():
        return None
    scp = _SCP_LIKE.match(url) if "://" not in url else None
    if scp:
        host, raw_path = scp.group(1), scp.group(2)
    else:
        try:
            parts = urlsplit(url)
            host = parts.hostname or ""
        except ValueError:
            return None
        if parts.scheme not in ("https", "http", "ssh", "git", "ssh+git"):
            return None
        raw_path = parts.path
    segments = tuple(segment for segment in raw_path.strip("/").split("/") if segment)
    if not host or not segments or any(segment in (".", "..") for segment in segments):
        return None
    segments = (*segments[:-1], segments[-1].removesuffix(".git"))
    if not segments[-1]:
        return None
    host = host.lower()
    return GitRemote(host=host, path=segments, forge=_FORGES.get(host))


def read_git_remote(root: Path) -> tuple[GitRemote | None, str | None]:
    """The remote ``origin`` (else the only remote) of the checkout holding ``root``, and ``root``'s folder in it.

    Read with ``git config`` (never by parsing .git/config), bounded in time; no git, no checkout or no usable
    remote gives ``(None, subfolder-or-None)``."""
    url = _git(root, "config", "--get", "remote.origin.url")
    if url is None:
        names = (_git(root, "remote") or "").split()
        url = _git(root, "config", "--get", f"remote.{names[0]}.url") if len(names) == 1 else None
    prefix = _git(root, "rev-parse", "--show-prefix")
    subfolder = prefix.strip().strip("/") if prefix else None
    return (parse_remote_url(url) if url else None), (subfolder or None)


def _git(root: Path, *arguments: str) -> str | None:
    """One git command's stdout (stripped); None when git is missing, fails, or takes too long."""
    # No prompts (a credential helper must never wait for input) and no pager; config is read, never written.
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_PAGER": "cat", "LC_ALL": "C"}
    try:
        completed = subprocess.run(
            ["git", "-C", str(root), *arguments],
            capture_output=True,
            text=True,
            timeout=_GIT_TIMEOUT,
            check=False,
            env=env,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    output = completed.stdout.strip()
    return output if completed.returncode == 0 and output and len(output) <= _MAX_URL else None


def server_part(text: str) -> str:
    """``text`` as the part after the slash: the registry's characters, no leading or trailing punctuation."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("._-")
    return cleaned if len(cleaned) >= 2 else f"{cleaned or 'server'}-mcp"


def suggest_name(root: Path, *, declared_repository: str | None = None) -> NameSuggestion:
    """The name to write for the project in ``root``: ``io.github.<owner>/<repo>`` from the git remote, or from a
    declared GitHub repository URL; the server part is the project's folder when it is below the repository's root
    (as ``mcp-publisher init`` does). Otherwise the placeholder, with a note saying why."""
    remote, subfolder = read_git_remote(root)
    source = "the git remote"
    if remote is None and declared_repository:
        remote, source = parse_remote_url(declared_repository), "the declared repository"
        if remote is not None and len(remote.path) > 2 and remote.forge == "github":  # .../tree/main/src/time
            subfolder = "/".join(remote.path[4:]) if remote.path[2:3] == ("tree",) else subfolder
            remote = GitRemote(host=remote.host, path=remote.path[:2], forge=remote.forge)
    pair = remote.owner_and_repo if remote is not None else None
    repository = remote.https_url if pair is not None and remote is not None else None
    server = server_part(root.name if subfolder or remote is None else remote.path[-1])
    if remote is not None and remote.forge == "github" and pair and _GITHUB_OWNER.match(pair[0]):
        return NameSuggestion(
            name=f"io.github.{pair[0]}/{server}", repository=repository, subfolder=subfolder, note=None
        )
    placeholder = f"{PLACEHOLDER_NAMESPACE}/{server}"
    if remote is None:
        why = "no git remote (origin, or a single remote) names a GitHub repository"
    elif remote.forge == "gitlab":
        why = (
            f"{source} is on GitLab ({remote.https_url}), and the MCP Registry proves only GitHub namespaces"
            " (io.github.<user-or-org>) or domains you own (DNS or HTTP proof)"
        )
    else:
        why = (
            f"{source} is on {remote.host}, a host the MCP Registry cannot prove a namespace for; a reverse-DNS"
            f" name (such as {'.'.join(reversed(remote.host.split('.')))}/{server}) needs the DNS or HTTP proof of"
            " that domain"
        )
    note = (
        f"name is the placeholder {placeholder}: {why}. Set name to io.github.<your GitHub user or org>/{server}"
        " (or a reverse-DNS name of a domain you own) before `mcpship build`"
    )
    return NameSuggestion(name=placeholder, repository=repository, subfolder=subfolder, note=note)


def refuse_placeholder_name(name: str, *, root: Path, source: Path | None) -> None:
    """Raise :class:`SpecError` when ``name`` is the placeholder ``mcpship init`` writes, with the name to use."""
    if not is_placeholder_name(name):
        return
    file = source or root / "mcpship.toml"
    table = "[tool.mcpship] " if file.name == "pyproject.toml" else ""
    suggestion = suggest_name(root)
    if is_placeholder_name(suggestion.name):
        hint = (
            f'set name = "io.github.<your GitHub user or org>/{suggestion.name.split("/", 1)[1]}" in {table}{file}'
            " (the namespace the MCP Registry lets you publish to)"
        )
    else:
        hint = f'set name = "{suggestion.name}" in {table}{file} (from the git remote)'
    raise SpecError(
        f"{file}: name: {name!r} is the placeholder `mcpship init` writes when it cannot tell your namespace;"
        " the MCP Registry would refuse it, and every artifact would carry it",
        hint=hint,
    )
