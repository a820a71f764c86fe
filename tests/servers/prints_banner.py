"""A server that greets on stdout, breaking the stdio transport (stdout is for MCP messages only)."""

import sys

print("Welcome to banner-server v1.0!", flush=True)
for _line in sys.stdin:
    pass
