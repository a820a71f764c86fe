"""``python -m mcpship``."""

from mcpship.cli import entrypoint

if __name__ == "__main__":
    entrypoint()
