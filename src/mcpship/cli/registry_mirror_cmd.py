"""``mcpship registry mirror``: copy another registry into this one, incrementally (``updated_since``)."""

from __future__ import annotations

from mcpship.cli.registry_cmd import registry_app

__all__ = ["registry_app"]
