"""``mcp-interface.json``: a server's interface (tools, prompts, resources, templates, instructions), canonical,
with a SHA-256 digest per item and for the whole.

The lock holds what a client relies on. The server's own version and the negotiated protocol version are
recorded for the reader but excluded from the digest, so a release bump alone never reads as drift.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mcpship._atomic import write_text_atomic
from mcpship._exceptions import LockError
from mcpship._safe_load import parse_json, read_json_file
from mcpship.interface.canonical import digest, pretty
from mcpship.probe.snapshot import ServerSnapshot

__all__ = [
    "KINDS",
    "LOCK_FILE",
    "LOCK_VERSION",
    "InterfaceLock",
    "lock_from_snapshot",
    "parse_lock",
    "read_lock",
    "write_lock",
]

LOCK_FILE = "mcp-interface.json"
LOCK_VERSION = 1
# kind in the lock -> the field that names an item of that kind
KINDS: dict[str, str] = {"tools": "name", "prompts": "name", "resources": "uri", "resourceTemplates": "uriTemplate"}


@dataclass(frozen=True)
class InterfaceLock:
    data: dict[str, Any]

    @property
    def digest(self) -> str:
        return str(self.data["digest"])

    def items(self, kind: str) -> dict[str, dict[str, Any]]:
        """``{key: definition}`` for one kind, e.g. ``lock.items("tools")["add_note"]``."""
        return {entry["key"]: entry["definition"] for entry in self.data.get(kind, [])}

    @property
    def instructions(self) -> str | None:
        value = self.data.get("instructions")
        return value if isinstance(value, str) else None

    def text(self) -> str:
        return pretty(self.data)


def lock_from_snapshot(snapshot: ServerSnapshot) -> InterfaceLock:
    sections: dict[str, list[dict[str, Any]]] = {}
    source = {
        "tools": snapshot.tools,
        "prompts": snapshot.prompts,
        "resources": snapshot.resources,
        "resourceTemplates": snapshot.resource_templates,
    }
    for kind, key_field in KINDS.items():
        entries = [
            {"key": str(item.get(key_field, "")), "digest": digest(item), "definition": item} for item in source[kind]
        ]
        sections[kind] = sorted(entries, key=lambda entry: entry["key"])
    interface = {
        "instructions": snapshot.instructions,
        **{kind: [entry["digest"] for entry in entries] for kind, entries in sections.items()},
    }
    info = snapshot.server_info
    data: dict[str, Any] = {
        "lockVersion": LOCK_VERSION,
        "server": {key: info[key] for key in ("name", "title", "version") if key in info},
        "protocolVersion": snapshot.protocol_version,
        "digest": digest(interface),
        "instructions": snapshot.instructions,
        **sections,
    }
    return InterfaceLock(data)


def write_lock(lock: InterfaceLock, path: Path) -> None:
    write_text_atomic(path, lock.text())


def read_lock(path: Path) -> InterfaceLock:
    if not path.exists():
        raise LockError(f"{path}: no interface lock yet", hint="run `mcpship lock` to create it")
    return _checked_lock(lambda: read_json_file(path, error=LockError), str(path))


def parse_lock(data: bytes, source: str) -> InterfaceLock:
    """A lock read by other means (``git show REF:mcp-interface.json``); ``source`` names it in errors."""
    return _checked_lock(lambda: parse_json(data, source=source, error=LockError), source)


def _checked_lock(load: Callable[[], Any], source: str) -> InterfaceLock:
    try:
        data = load()
    except LockError as error:
        raise LockError(
            error.message, hint="restore it from version control, or run `mcpship lock` to write it again"
        ) from error.__cause__
    if not isinstance(data, dict) or data.get("lockVersion") != LOCK_VERSION or "digest" not in data:
        raise LockError(
            f"{source}: not an mcpship interface lock (lockVersion {LOCK_VERSION} expected)",
            hint="run `mcpship lock` to write it again",
        )
    for kind in KINDS:
        entries = data.get(kind, [])
        if not isinstance(entries, list) or not all(_is_entry(entry) for entry in entries):
            raise LockError(
                f'{source}: "{kind}" must be a list of {{"key", "digest", "definition"}} entries',
                hint="restore it from version control, or run `mcpship lock` to write it again",
            )
    return InterfaceLock(data)


def _is_entry(entry: object) -> bool:
    return (
        isinstance(entry, dict)
        and isinstance(entry.get("key"), str)
        and isinstance(entry.get("digest"), str)
        and isinstance(entry.get("definition"), dict)
    )
