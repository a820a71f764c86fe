"""What reading an untrusted bundle may cost: the limits every reader of a ``.mcpb`` applies (validate, unpack,
verify), and the words they are shown in."""

from __future__ import annotations

from dataclasses import dataclass

from mcpship._zipdir import DIRECTORY_BYTES_PER_ENTRY

__all__ = [
    "CENTRAL_DIRECTORY_BYTES_PER_ENTRY",
    "MAX_ALL_LINKS_BYTES",
    "MAX_ENTRIES",
    "MAX_ENTRY_BYTES",
    "MAX_LINK_BYTES",
    "MAX_MANIFEST_BYTES",
    "MAX_MANIFEST_DEPTH",
    "MAX_RATIO",
    "MAX_UNPACKED_BYTES",
    "RATIO_GRACE_BYTES",
    "BundleLimits",
    "size_text",
]

KiB, MiB, GiB = 1 << 10, 1 << 20, 1 << 30

MAX_UNPACKED_BYTES = 1 * GiB
"""All entries together. The largest real bundles (Python with compiled dependencies) unpack to a few hundred MB."""
MAX_ENTRY_BYTES = 512 * MiB
"""One entry: room for a bundled runtime or a single-file server binary (about 100 MB for Node or Bun)."""
MAX_ENTRIES = 100_000
"""Entries (files, folders, links). A Node bundle with its production node_modules has a few thousand."""
MAX_RATIO = 200
"""Uncompressed/compressed per entry. Source, JSON and binaries compress 2-20x; deflate's own ceiling is ~1032x."""
RATIO_GRACE_BYTES = 1 * MiB
"""Entries smaller than this may compress any amount: they cannot hurt, and tiny files often do."""
MAX_MANIFEST_BYTES = 1 * MiB
"""manifest.json: real ones are a few KB, a hundred KB with many tools and prompts."""
MAX_MANIFEST_DEPTH = 64
"""Nesting of manifest.json's arrays and objects; a real one nests about 6 deep."""
CENTRAL_DIRECTORY_BYTES_PER_ENTRY = DIRECTORY_BYTES_PER_ENTRY
"""The zip's table of contents, which zipfile reads whole, may take this much per allowed entry (32 MB by default):
a 46-byte record and a long path. Bounds the memory of listing a bundle before its entries can be counted."""
MAX_LINK_BYTES = 1 * KiB
"""One symlink's target."""
MAX_ALL_LINKS_BYTES = 1 * MiB
"""All symlink targets together, which bounds the work of resolving them."""


@dataclass(frozen=True, kw_only=True)
class BundleLimits:
    """What a bundle may unpack to. ``mcpship validate`` and ``mcpship verify`` raise the first two with
    ``--max-unpacked-mib`` and ``--max-entries``; the library takes any of them."""

    max_unpacked_bytes: int = MAX_UNPACKED_BYTES
    max_entries: int = MAX_ENTRIES
    max_entry_bytes: int = MAX_ENTRY_BYTES
    max_ratio: int = MAX_RATIO
    max_manifest_bytes: int = MAX_MANIFEST_BYTES


def size_text(count: int) -> str:
    """``1 GiB``, ``512 MiB``, ``1 KiB`` for whole units, else ``N bytes``."""
    for unit, name in ((GiB, "GiB"), (MiB, "MiB"), (KiB, "KiB")):
        if count >= unit and count % unit == 0:
            return f"{count // unit} {name}"
    return f"{count} bytes"
