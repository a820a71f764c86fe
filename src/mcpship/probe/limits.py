"""How much a server may send in one inspection: a server is untrusted input, and it chooses every size.

Bytes alone do not bound memory: 4 MiB of ``[{},{},...]`` parses into 1.4 million Python objects (about
500 MB, measured). So a session also counts JSON values, cheaply, from the ``{``, ``[`` and ``,`` bytes of
each message (commas inside strings count too, which only errs on the safe side).

Defaults, and why:

* one message (a stdout line, an HTTP response body, an SSE event): **4 MiB**. The SDK's own default for an
  SSE event is 1 MiB; the largest real ``tools/list`` answers are a few hundred KiB, and a model's context
  could not hold more anyway. ``--max-message-mib`` raises it.
* the whole session: 8 messages of that size (**32 MiB**) and **250,000 JSON values** (about 100-150 MB of
  Python objects at the worst case measured).
* each list (tools, prompts, resources, resource templates): **1,000 pages** and **10,000 items**; a
  repeated cursor stops the listing at once.
* the server's stderr: only its last **16 KiB** are kept (for error messages).
"""

from __future__ import annotations

from dataclasses import dataclass

from mcpship._exceptions import ProtocolViolationError

__all__ = ["MIB", "ProbeLimits", "ReadBudget"]

MIB = 1024 * 1024


@dataclass(frozen=True, kw_only=True)
class ProbeLimits:
    max_message_bytes: int = 4 * MIB
    max_json_values: int = 250_000
    """In the whole session, counted as described in the module docstring."""
    max_pages: int = 1_000
    """Per list."""
    max_items: int = 10_000
    """Per list."""
    stderr_tail_bytes: int = 16 * 1024

    @property
    def max_session_bytes(self) -> int:
        return 8 * self.max_message_bytes


class ReadBudget:
    """What is left of one session's limits; every message the server sends is charged here."""

    def __init__(self, limits: ProbeLimits, label: str) -> None:
        self.limits = limits
        self._label = label
        self._bytes = 0
        self._values = 0

    def too_long(self, size: int, what: str) -> ProtocolViolationError | None:
        """The error if a message of ``size`` bytes (maybe still incomplete) is too long; ``what`` says what the
        server did, e.g. ``"wrote a line on stdout"``."""
        limit = self.limits.max_message_bytes
        if size <= limit:
            return None
        return ProtocolViolationError(
            f"the server ({self._label}) {what} longer than {_size(limit)}, the limit for one MCP "
            "message; mcpship stopped reading it",
            hint=f"if the server is trusted and its answers really are that large, raise --max-message-mib "
            f"(now {limit // MIB})",
        )

    def charge(self, message: bytes | bytearray) -> ProtocolViolationError | None:
        """Count one received message (or part of a streamed one); the error once the session is over budget."""
        self._bytes += len(message)
        self._values += message.count(b"{") + message.count(b"[") + message.count(b",")
        if self._bytes > self.limits.max_session_bytes:
            return ProtocolViolationError(
                f"the server ({self._label}) sent more than {_size(self.limits.max_session_bytes)} in one "
                "inspection; mcpship stopped reading",
                hint="the limit is 8 times --max-message-mib; raise that if the server is trusted",
            )
        if self._values > self.limits.max_json_values:
            return ProtocolViolationError(
                f"the server ({self._label}) sent more than {self.limits.max_json_values:,} JSON values in one "
                "inspection; mcpship stopped reading",
                hint="a real interface is far smaller; check what the server lists (run it with -v)",
            )
        return None


def _size(size: int) -> str:
    return f"{size // MIB} MiB ({size:,} bytes)" if size % MIB == 0 else f"{size:,} bytes"
