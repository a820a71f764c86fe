"""Where a mirror's checkpoints live: per source, ``(since, cursor, high water)``, saved after every stored page
(:mod:`mcpship.registry.mirror` decides what goes in them)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import platformdirs

from mcpship._atomic import write_text_atomic
from mcpship._exceptions import UsageError
from mcpship._untrusted_json import loads_untrusted

__all__ = ["MirrorCheckpoint", "MirrorState", "MirrorStateFile", "state_file_for"]


@dataclass(frozen=True)
class MirrorCheckpoint:
    """Where a pass over one source stands; saved after every committed page."""

    since: str | None = None
    """The ``updated_since`` of the current pass (the source's own timestamp text; None: everything)."""
    cursor: str | None = None
    """The next page of the current pass; None once the pass is complete."""
    high_water: str | None = None
    """The newest ``updatedAt`` seen; the next pass starts after it."""


class MirrorState(Protocol):
    """Where checkpoints live (a JSON file next to the database; a store may offer a table instead)."""

    def load(self, source: str) -> MirrorCheckpoint: ...

    def save(self, source: str, checkpoint: MirrorCheckpoint) -> None: ...


@dataclass(frozen=True)
class MirrorStateFile:
    """Checkpoints of every source in one JSON file: ``{"sources": {url: {"since", "cursor", "highWater"}}}``."""

    path: Path

    def load(self, source: str) -> MirrorCheckpoint:
        entry = self._read().get(source)
        if not isinstance(entry, dict):
            return MirrorCheckpoint()
        return MirrorCheckpoint(
            since=_text_or_none(entry.get("since")),
            cursor=_text_or_none(entry.get("cursor")),
            high_water=_text_or_none(entry.get("highWater")),
        )

    def save(self, source: str, checkpoint: MirrorCheckpoint) -> None:
        sources = self._read()
        sources[source] = {"since": checkpoint.since, "cursor": checkpoint.cursor, "highWater": checkpoint.high_water}
        write_text_atomic(self.path, json.dumps({"sources": sources}, indent=2, sort_keys=True) + "\n")

    def _read(self) -> dict[str, Any]:
        try:
            data = loads_untrusted(self.path.read_bytes())
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as error:
            raise UsageError(
                f"cannot read the mirror state {self.path}: {error}",
                hint="delete it to mirror everything again (nothing is lost: unchanged rows are skipped)",
            ) from error
        sources = data.get("sources") if isinstance(data, dict) else None
        return dict(sources) if isinstance(sources, dict) else {}


def state_file_for(database_url: str) -> Path:
    """``<db file>.mirror-state.json`` for SQLite; for a server database, a file per URL in the user data dir."""
    prefix = "sqlite:///"
    if database_url.startswith(prefix) and database_url[len(prefix) :] not in ("", ":memory:"):
        database = Path(database_url[len(prefix) :])
        return database.with_name(database.name + ".mirror-state.json")
    digest = hashlib.sha256(database_url.encode()).hexdigest()[:16]
    return Path(platformdirs.user_data_dir("mcpship")) / "mirror-state" / f"{digest}.json"


def _text_or_none(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
