"""Just enough DER to walk a CMS SignedData (RFC 5652): tag, length, value, children, OIDs.

``cryptography`` builds PKCS#7 signatures but does not expose the signer infos of one it reads, so the
verifier walks the structure itself; certificates and signatures are still checked by ``cryptography``.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DerError", "Node", "parse"]


class DerError(ValueError):
    pass


@dataclass(frozen=True)
class Node:
    tag: int
    raw: bytes
    """The whole encoding: tag, length and value."""
    value: bytes

    @property
    def children(self) -> list[Node]:
        if not self.tag & 0x20:
            raise DerError(f"tag 0x{self.tag:02x} is primitive and has no children")
        nodes: list[Node] = []
        offset = 0
        while offset < len(self.value):
            node, offset = _read(self.value, offset)
            nodes.append(node)
        return nodes

    def oid(self) -> str:
        if self.tag != 0x06 or not self.value:
            raise DerError("expected an OBJECT IDENTIFIER")
        first = self.value[0]
        arcs = [min(first // 40, 2), first - 40 * min(first // 40, 2)]
        current = 0
        for byte in self.value[1:]:
            current = (current << 7) | (byte & 0x7F)
            if not byte & 0x80:
                arcs.append(current)
                current = 0
        return ".".join(map(str, arcs))

    def integer(self) -> int:
        if self.tag != 0x02:
            raise DerError("expected an INTEGER")
        return int.from_bytes(self.value, "big", signed=True)


def parse(data: bytes) -> Node:
    """The single element ``data`` encodes; trailing bytes are an error."""
    node, end = _read(data, 0)
    if end != len(data):
        raise DerError(f"{len(data) - end} bytes after the end of the structure")
    return node


def _read(data: bytes, offset: int) -> tuple[Node, int]:
    if offset + 2 > len(data):
        raise DerError("truncated")
    tag = data[offset]
    if tag & 0x1F == 0x1F:
        raise DerError("multi-byte tags do not occur in CMS")
    length = data[offset + 1]
    cursor = offset + 2
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 4:
            raise DerError("indefinite or oversized length (BER, not DER)")
        if cursor + count > len(data):
            raise DerError("truncated length")
        length = int.from_bytes(data[cursor : cursor + count], "big")
        cursor += count
    end = cursor + length
    if end > len(data):
        raise DerError("truncated value")
    return Node(tag=tag, raw=data[offset:end], value=data[cursor:end]), end
