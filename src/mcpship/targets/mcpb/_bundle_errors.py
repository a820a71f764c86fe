"""How a bundle is refused, in the same words by every reader: :class:`BundleError` (it cannot be read) and
:class:`UnsafeBundleError` (it breaks a limit, or an entry could land outside the unpack folder), and the
:class:`Finding` a bundle's listing collects before anything is unpacked."""

from __future__ import annotations

from dataclasses import dataclass

from mcpship._exceptions import InvalidArtifactError

__all__ = ["DAMAGED_HINT", "UNSAFE_HINT", "BundleError", "Finding", "UnsafeBundleError", "describe"]

UNSAFE_HINT = "do not install it; rebuild the bundle from source with a packer you trust (mcpship build, mcpb pack)"
DAMAGED_HINT = "download or build the bundle again"


def describe(entry: str | None, reason: str) -> str:
    """The words every reader uses for one finding: ``'esc' is a symlink to ...``."""
    return f"{entry!r} {reason}" if entry is not None else reason


class BundleError(InvalidArtifactError):
    """A bundle that cannot be read: ``file``, the ``entry`` at fault (None: the archive as a whole), ``reason``
    (a sentence about the entry: "is a symlink to ..."), ``hint`` (the fix). Exit code 9."""

    def __init__(
        self, *, file: str, entry: str | None, reason: str, hint: str | None = None, part: str = "$", doing: str = ""
    ) -> None:
        super().__init__(f"{file}: {doing}{describe(entry, reason)}", hint=hint)
        self.file = file
        self.entry = entry
        self.reason = reason
        self.part = part
        """``$`` for the zip, ``signature`` for the signature block."""


class UnsafeBundleError(BundleError):
    """A bundle refused as hostile: it breaks a limit, or an entry could land outside the unpack folder."""


@dataclass(frozen=True)
class Finding:
    """Why one entry (or, with ``entry`` None, the whole bundle) is unsafe; the same words everywhere."""

    entry: str | None
    reason: str
    hint: str = UNSAFE_HINT

    def error(self, file: str, *, doing: str = "", more: int = 0) -> UnsafeBundleError:
        reason = self.reason + (f" (and {more} more unsafe entries)" if more else "")
        return UnsafeBundleError(file=file, entry=self.entry, reason=reason, hint=self.hint, doing=doing)
