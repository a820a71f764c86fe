"""Where notes live: in memory, or in ``$NOTES_DIR/notes.json`` when that variable is set."""

from __future__ import annotations

import json
import secrets
from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass
class Note:
    id: str
    title: str
    body: str
    tags: list[str] = field(default_factory=list)


class NoteStore:
    def __init__(self, directory: str | None) -> None:
        self._path = Path(directory).expanduser() / "notes.json" if directory else None
        self._notes: dict[str, Note] = {}
        if self._path is not None and self._path.exists():
            for raw in json.loads(self._path.read_text(encoding="utf-8")):
                note = Note(**raw)
                self._notes[note.id] = note

    def add(self, title: str, body: str, tags: list[str]) -> Note:
        note = Note(id=secrets.token_hex(4), title=title, body=body, tags=tags)
        self._notes[note.id] = note
        self._save()
        return note

    def delete(self, note_id: str) -> bool:
        existed = self._notes.pop(note_id, None) is not None
        self._save()
        return existed

    def get(self, note_id: str) -> Note | None:
        return self._notes.get(note_id)

    def all(self) -> list[Note]:
        return list(self._notes.values())

    def search(self, query: str, limit: int) -> list[Note]:
        needle = query.casefold()
        hits = [n for n in self._notes.values() if needle in f"{n.title} {n.body} {' '.join(n.tags)}".casefold()]
        return hits[:limit]

    def _save(self) -> None:
        if self._path is None:
            return
        self._path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self._path.with_suffix(".tmp")
        tmp.write_text(json.dumps([asdict(n) for n in self._notes.values()], indent=2), encoding="utf-8")
        tmp.replace(self._path)  # atomic: a crash never leaves half a file
