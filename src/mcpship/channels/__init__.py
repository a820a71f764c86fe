"""Publishers ("channels"): each takes a built artifact to where its users get it.

Every channel talks HTTP through an injected ``httpx`` client or transport, so tests use real local
servers or ``httpx.MockTransport``. Today: :func:`push_oci_image` (any OCI distribution registry).
"""

from __future__ import annotations

from mcpship.channels.oci import (
    DEFAULT_CHUNK_SIZE,
    ImageReference,
    OciPushResult,
    PushProgress,
    RegistryAuth,
    parse_image_reference,
    push_oci_image,
)

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "ImageReference",
    "OciPushResult",
    "PushProgress",
    "RegistryAuth",
    "parse_image_reference",
    "push_oci_image",
]
