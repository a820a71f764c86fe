"""The names and symlinks of an untrusted bundle, judged by one rule wherever a bundle is read.

Names: relative, ``/``-separated, no ``..``, NUL, backslash or drive letter, at most :data:`MAX_NAME_BYTES`, and
unique even as case-insensitive file systems (macOS, Windows) compare them: Unicode NFC, case folded.

Symlinks: a link's target is resolved lexically against the bundle's own entries, the way the kernel resolves it
once the bundle is unpacked. A component naming another symlink entry is replaced by where that link leads, and
``..`` climbs from there (through ``x -> a/b``, ``x/..`` is ``a``, not ``.``). A link whose resolution climbs above
the bundle root, or follows more than :data:`MAX_LINK_HOPS` links, is refused.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

__all__ = ["MAX_LINK_HOPS", "MAX_NAME_BYTES", "LinkResolver", "fold", "link_target_problem", "name_problem", "parts"]

MAX_NAME_BYTES = 1024
"""macOS's PATH_MAX: a longer name cannot be created under a host's extensions folder there."""
MAX_LINK_HOPS = 40
"""Linux's limit on symlinks followed in one lookup (MAXSYMLINKS)."""
_DRIVE = re.compile(r"^[A-Za-z]:")


def parts(path: str) -> list[str]:
    """The path's components, without the empty and ``.`` ones that do not move."""
    return [part for part in path.split("/") if part not in ("", ".")]


def fold(path: str) -> str:
    """The key two names collide under on a case-insensitive file system."""
    return unicodedata.normalize("NFC", "/".join(parts(path))).casefold()


def name_problem(name: str, *, folder: bool) -> str | None:
    """Why an entry name could write outside the folder it is unpacked into (or cannot be created), or None.
    Only a ``folder`` may name the root itself (``./``)."""
    if not name or "\x00" in name or (not parts(name) and not folder):
        return "has an empty name or a NUL byte"
    if "\\" in name:
        return "uses backslashes, which are folder separators on Windows"
    if name.startswith("/") or _DRIVE.match(name):
        return "is an absolute path"
    if ".." in name.split("/"):
        return "climbs out with '..' (zip slip)"
    if len(name.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES:
        return f"has a name longer than {MAX_NAME_BYTES} bytes, more than hosts can create"
    return None


def link_target_problem(target: str) -> str | None:
    if not target or "\x00" in target:
        return "is a symlink with an empty target or a NUL byte"
    if target.startswith("/") or _DRIVE.match(target) or "\\" in target:
        return f"is a symlink to the absolute path {target!r}"
    return None


class LinkError(Exception):
    def __init__(self, reason: str, chain: tuple[str, ...]) -> None:
        super().__init__(reason)
        self.reason = reason
        self.chain = chain
        """The links being resolved (outermost first), then those followed on the way (folded keys)."""


class LinkResolver:
    """Where paths inside a bundle lead once its symlinks exist on disk; each link is resolved once."""

    def __init__(self, links: Mapping[str, str]) -> None:
        self._links = dict(links)
        """Folded key of each symlink entry -> its target."""
        self._done: dict[str, tuple[str, ...] | LinkError] = {}

    def resolve(self, path: str) -> str:
        """The folded key ``path`` really names (every link along it followed); :class:`LinkError` if it leaves."""
        return "/".join(self._walk((), path, ()))

    def resolve_link(self, key: str) -> str:
        """Where the symlink entry ``key`` leads (folded key); :class:`LinkError` if outside or in a loop."""
        return "/".join(self._real(key, ()))

    def _walk(self, start: tuple[str, ...], target: str, chain: tuple[str, ...]) -> tuple[str, ...]:
        stack = list(start)
        followed: list[str] = []
        for part in parts(target):
            if part == "..":
                if not stack:
                    raise LinkError("leads outside the bundle", (*chain, *followed))
                stack.pop()
                continue
            key = "/".join([*stack, fold(part)])
            if key in self._links:
                stack = list(self._real(key, chain))
                followed.append(key)
            else:
                stack.append(fold(part))
        return tuple(stack)

    def _real(self, key: str, chain: tuple[str, ...]) -> tuple[str, ...]:
        done = self._done.get(key)
        if isinstance(done, LinkError):
            raise LinkError(done.reason, (*chain, *done.chain))
        if done is not None:
            return done
        if key in chain or len(chain) >= MAX_LINK_HOPS:
            raise LinkError(f"is in a loop of symlinks or a chain of more than {MAX_LINK_HOPS}", (*chain, key))
        try:
            result = self._walk(tuple(key.split("/")[:-1]), self._links[key], (*chain, key))
        except LinkError as error:
            # Remember the failure from this link on, so links through it fail without walking it again.
            self._done[key] = LinkError(error.reason, error.chain[len(chain) :])
            raise
        self._done[key] = result
        return result
