"""A base image reference as ``docker pull`` reads it: ``[REGISTRY/]NAME[:TAG][@sha256:…]``.

The first part is a registry when it has a ``.`` or ``:`` or is ``localhost``; otherwise the image is on Docker
Hub (``python`` is ``docker.io/library/python``). No tag and no digest means ``latest``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mcpship._exceptions import SpecError

__all__ = ["BaseReference", "parse_base_reference"]

_DOCKER_HUB = frozenset({"docker.io", "index.docker.io", "registry-1.docker.io"})
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_REGISTRY = re.compile(r"(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:]+\])(?::[0-9]{1,5})?")
_NAME_TAG_DIGEST = re.compile(
    rf"(?P<name>{_COMPONENT}(?:/{_COMPONENT})*)"
    r"(?::(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?(?:@(?P<digest>sha256:[0-9a-f]{64}))?"
)
_HINT = "write [REGISTRY/]NAME[:TAG][@sha256:DIGEST], e.g. python:3.12-slim or ghcr.io/acme/base:1"


@dataclass(frozen=True)
class BaseReference:
    written: str
    """As the user (or the default) wrote it, without the digest: ``python:3.12-slim``."""
    registry: str
    """``docker.io`` for Docker Hub, else the host with any port: ``127.0.0.1:5000``."""
    repository: str
    """As the distribution API names it: ``library/python``."""
    tag: str | None
    digest: str | None

    @property
    def api_host(self) -> str:
        """The host serving ``/v2/`` (Docker Hub's differs from its name)."""
        return "registry-1.docker.io" if self.registry == "docker.io" else self.registry

    @property
    def is_local(self) -> bool:
        from mcpship._registry_auth import is_loopback  # httpx: loaded only when a build pulls

        return is_loopback(self.api_host)

    def pinned(self, digest: str) -> str:
        """``python:3.12-slim@sha256:…``: what Docker, Podman and Buildah pull by digest (the tag is a comment)."""
        return f"{self.written}@{digest}"


def parse_base_reference(text: str, *, field: str = "[targets.oci].base_image") -> BaseReference:
    text = text.strip()
    first, slash, rest = text.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost"):
        registry, remainder = first.lower(), rest
        if not _REGISTRY.fullmatch(registry):
            raise SpecError(f"{field}: {registry!r} in {text!r} is not a registry host", hint=_HINT)
    else:
        registry, remainder = "docker.io", text
    match = _NAME_TAG_DIGEST.fullmatch(remainder)
    if match is None:
        raise SpecError(f"{field}: {text!r} is not an image reference", hint=_HINT)
    repository = match["name"]
    if registry in _DOCKER_HUB:
        registry = "docker.io"
        if "/" not in repository:
            repository = f"library/{repository}"  # Docker Hub's official images live under library/
    tag = match["tag"] or (None if match["digest"] else "latest")
    return BaseReference(
        written=text.split("@", 1)[0], registry=registry, repository=repository, tag=tag, digest=match["digest"]
    )
