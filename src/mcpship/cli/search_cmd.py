"""``mcpship search``: find servers in an MCP registry (ranked when the registry is mcpship's)."""

from __future__ import annotations
