"""Judge a bundle by its listing, before a byte of any entry is read: each entry's name, type, compression,
declared size and ratio, names that collide, data that runs into the next entry, entries under a file or a
symlink, and the declared total. Symlink targets are read and resolved afterwards (:mod:`._links`)."""

from __future__ import annotations

import bisect
import itertools
import stat
import zipfile
from dataclasses import dataclass, field
from typing import Literal

from mcpship.targets.mcpb._bundle_errors import Finding
from mcpship.targets.mcpb._bundle_limits import RATIO_GRACE_BYTES, BundleLimits, size_text
from mcpship.targets.mcpb._entries import fold, name_problem

__all__ = ["Entry", "Kind", "Listing", "judge_listing"]

Kind = Literal["file", "dir", "link"]
_SAFE_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)


@dataclass
class Entry:
    info: zipfile.ZipInfo
    kind: Kind
    target: str | None = None
    """A symlink's target, once read and found acceptable."""


@dataclass
class Listing:
    entries: dict[str, Entry] = field(default_factory=dict)
    """Folded key -> entry, for the entries whose name and type are acceptable, in archive order."""
    keys: list[str] = field(default_factory=list)
    """The same keys, sorted (to find what lies under a path)."""
    findings: list[Finding] = field(default_factory=list)
    """Every reason not to unpack the bundle that its listing shows."""

    def has_under(self, key: str) -> bool:
        """Whether some entry lies under the folder ``key``."""
        index = bisect.bisect_left(self.keys, key + "/")
        return index < len(self.keys) and self.keys[index].startswith(key + "/")


def _kind(info: zipfile.ZipInfo) -> Kind:
    if info.create_system == 3 and stat.S_ISLNK(info.external_attr >> 16):
        return "link"
    return "dir" if info.filename.endswith("/") else "file"


def judge_listing(infos: list[zipfile.ZipInfo], limits: BundleLimits) -> Listing:
    """The acceptable entries and every finding about the others and the whole."""
    listing = Listing()
    declared_total = 0
    first_name: dict[str, str] = {}
    for info in infos:
        declared_total += info.file_size
        kind = _kind(info)
        # orig_filename: zipfile cuts the name at a NUL byte, other unpackers may not
        reason = name_problem(info.orig_filename, folder=kind == "dir") or _entry_problem(info, limits)
        key = fold(info.filename)
        if reason is None and key in first_name:
            reason = _collision(info, first_name[key])
        if reason is not None:
            listing.findings.append(Finding(info.orig_filename, reason))
        first_name.setdefault(key, info.filename)
        if reason is None and key not in listing.entries:
            listing.entries[key] = Entry(info, kind)
    if declared_total > limits.max_unpacked_bytes:
        listing.findings.append(
            Finding(
                None,
                f"unpacks to {declared_total} bytes, more than the {size_text(limits.max_unpacked_bytes)} allowed",
                "if you trust this bundle, raise the limit with --max-unpacked-mib",
            )
        )
    listing.keys = sorted(listing.entries)
    listing.findings += _overlaps(infos)
    listing.findings += _under_files(listing)
    return listing


def _entry_problem(info: zipfile.ZipInfo, limits: BundleLimits) -> str | None:
    mode = info.external_attr >> 16
    # Many packers (the official CLI, Python's writestr) store permission bits without a file type: a file.
    if info.create_system == 3 and stat.S_IFMT(mode) not in (0, stat.S_IFREG, stat.S_IFDIR, stat.S_IFLNK):
        return "is a device, FIFO or socket, not a file"
    if info.flag_bits & 0x1:
        return "is encrypted; hosts cannot unpack it"
    if info.compress_type not in _SAFE_METHODS:
        return f"uses compression method {info.compress_type}; hosts read only stored and deflated entries"
    if info.file_size > limits.max_entry_bytes:
        return f"unpacks to {info.file_size} bytes, more than the {size_text(limits.max_entry_bytes)} allowed"
    if info.file_size > RATIO_GRACE_BYTES and info.file_size > limits.max_ratio * max(info.compress_size, 1):
        return (
            f"expands {info.file_size // max(info.compress_size, 1)}:1 ({info.compress_size} bytes to"
            f" {info.file_size}), more than the {limits.max_ratio}:1 allowed: a zip bomb"
        )
    return None


def _collision(info: zipfile.ZipInfo, first: str) -> str | None:
    if info.filename.endswith("/") and first.endswith("/"):
        return None  # one folder listed twice: harmless
    if info.filename == first:
        return "appears twice; which copy wins would depend on the unpacker"
    return (
        f"collides with {first!r}: both unpack to the same path (on macOS and Windows at least, which compare"
        " names without case), so one would overwrite the other"
    )


def _overlaps(infos: list[zipfile.ZipInfo]) -> list[Finding]:
    """Entries whose data runs into the next entry: the trick of zip bombs that reuse one compressed stream."""
    findings: list[Finding] = []
    ordered = sorted(infos, key=lambda info: info.header_offset)
    for info, after in itertools.pairwise(ordered):
        encoding = "utf-8" if info.flag_bits & 0x800 else "cp437"
        name_length = len(info.orig_filename.encode(encoding, "replace"))
        minimum_end = info.header_offset + 30 + name_length + info.compress_size
        if minimum_end > after.header_offset:
            findings.append(Finding(info.filename, f"overlaps {after.filename!r} in the file (a zip bomb technique)"))
    return findings


def _under_files(listing: Listing) -> list[Finding]:
    """Entries inside a path that is a file or a symlink: unpacking would fail, or write through the link."""
    findings: list[Finding] = []
    keys = listing.keys
    for key, entry in listing.entries.items():
        if entry.kind == "dir":
            continue
        index = bisect.bisect_left(keys, key + "/")
        while index < len(keys) and keys[index].startswith(key + "/"):
            inner = keys[index]
            index += 1
            what = "a symlink" if entry.kind == "link" else "a file"
            reason = f"lies under {entry.info.filename!r}, which is {what}: unpacking would write through it"
            findings.append(Finding(listing.entries[inner].info.filename, reason))
    return findings
