"""Publishers ("channels"): each takes a built artifact to where its users get it.

Every HTTP channel talks through an injected ``httpx`` client or transport, so tests use real local servers or
``httpx.MockTransport``: :func:`push_oci_image` (any OCI distribution registry, here), :mod:`.pypi` (the upload
API twine uses), :mod:`.npm` (the npm CLI); :mod:`.publish` runs several in one pass.
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
