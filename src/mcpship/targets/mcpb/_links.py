"""A bundle's symlinks: each target read (bounded), checked, and resolved against the bundle's own entries by the
one rule of :class:`~mcpship.targets.mcpb._entries.LinkResolver`, so a chain that escapes the root once unpacked
(``d1/x -> ..``, ``d1/y -> x/..``, ``esc -> d1/y/..``) is refused here exactly as unpacking refuses it."""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Mapping

from mcpship.targets.mcpb._bundle_errors import Finding
from mcpship.targets.mcpb._bundle_limits import MAX_ALL_LINKS_BYTES, MAX_LINK_BYTES
from mcpship.targets.mcpb._entries import LinkError, LinkResolver, link_target_problem
from mcpship.targets.mcpb._listing import Entry

__all__ = ["resolve_links"]


def resolve_links(
    entries: Mapping[str, Entry], read: Callable[[zipfile.ZipInfo], bytes]
) -> tuple[LinkResolver, list[Finding]]:
    """The resolver of every acceptable symlink (each one's ``target`` set) and the findings about the others.
    ``read`` returns an entry's bytes; it is called only for targets within :data:`MAX_LINK_BYTES` each and
    :data:`MAX_ALL_LINKS_BYTES` together."""
    links = {key: entry for key, entry in entries.items() if entry.kind == "link"}
    findings: list[Finding] = []
    budget = MAX_ALL_LINKS_BYTES
    targets: dict[str, str] = {}
    for key, entry in links.items():
        name = entry.info.filename
        if entry.info.file_size > MAX_LINK_BYTES or entry.info.file_size > budget:
            limit = "1 KiB" if entry.info.file_size > MAX_LINK_BYTES else "1 MiB for all links together"
            findings.append(Finding(name, f"is a symlink whose target is longer than {limit}"))
            continue
        budget -= entry.info.file_size
        try:
            target = read(entry.info).decode("utf-8")
        except UnicodeDecodeError:
            findings.append(Finding(name, "is a symlink whose target is not UTF-8"))
            continue
        problem = link_target_problem(target)
        if problem is not None:
            findings.append(Finding(name, problem))
            continue
        entry.target = targets[key] = target
    resolver = LinkResolver(targets)
    for key in targets:
        try:
            resolver.resolve_link(key)
        except LinkError as error:
            findings.append(Finding(links[key].info.filename, _escape_reason(entries, key, error)))
    return resolver, findings


def _escape_reason(entries: Mapping[str, Entry], key: str, error: LinkError) -> str:
    entry = entries[key]
    text = f"is a symlink to {entry.target!r}, which {error.reason}"
    others = [entries[link] for link in error.chain if link != key and link in entries]
    if others:
        text += " through " + ", ".join(f"{other.info.filename!r} -> {other.target!r}" for other in others)
    return text
