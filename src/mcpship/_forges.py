"""The code forges the MCP Registry knows (GitHub and GitLab): which hosts are theirs, and a repository URL in
the one form server.json, the catalogs and the ownership checks use (``https://github.com/OWNER/REPO``)."""

from __future__ import annotations

import re
from typing import Literal
from urllib.parse import urlsplit

__all__ = ["FORGE_HOSTS", "Forge", "forge_hosts", "forge_of", "repository_url"]

Forge = Literal["github", "gitlab"]

FORGE_HOSTS: dict[str, Forge] = {
    "github.com": "github",
    "www.github.com": "github",
    "gitlab.com": "gitlab",
    "www.gitlab.com": "gitlab",
}
"""Host -> forge, as the registry's repository rules accept them (``(www.)?github.com``)."""

_SSH = re.compile(r"^(?:ssh://)?git@([^:/]+)[:/](.+)$")


def forge_hosts(forge: Forge) -> frozenset[str]:
    """``github`` -> ``{"github.com", "www.github.com"}``."""
    return frozenset(host for host, name in FORGE_HOSTS.items() if name == forge)


def forge_of(url: str) -> Forge | None:
    """The forge hosting ``url``, or None (another host, or not a URL)."""
    try:
        host = urlsplit(url).hostname
    except ValueError:  # e.g. an unbalanced "[" in the host
        return None
    return FORGE_HOSTS.get(host or "")


def repository_url(declared: str) -> str:
    """``git+https://…/repo.git``, ``git@github.com:o/r.git`` -> ``https://github.com/o/r``."""
    url = declared.strip().removeprefix("git+")
    ssh = _SSH.match(url)
    if ssh:
        url = f"https://{ssh.group(1)}/{ssh.group(2)}"
    return url.rstrip("/").removesuffix(".git")
