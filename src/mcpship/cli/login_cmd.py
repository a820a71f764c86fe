"""``mcpship login``: exchange a proof of namespace ownership for a registry token, stored for ``publish``."""

from __future__ import annotations
