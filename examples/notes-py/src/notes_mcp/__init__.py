"""notes-mcp: an example MCP server that keeps notes (used by mcpship's docs, tests and benchmarks)."""

__version__ = "0.1.0"
