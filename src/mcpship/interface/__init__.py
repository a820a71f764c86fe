"""The interface lock: what a server offers clients, canonical and digested, and how two versions differ."""

from mcpship.interface.diff import FieldChange, ItemChange, diff_locks
from mcpship.interface.lock import LOCK_FILE, InterfaceLock, lock_from_snapshot, read_lock, write_lock

__all__ = [
    "LOCK_FILE",
    "FieldChange",
    "InterfaceLock",
    "ItemChange",
    "diff_locks",
    "lock_from_snapshot",
    "read_lock",
    "write_lock",
]
