"""The notes MCP server: three tools, a prompt, a resource and a resource template."""

from __future__ import annotations

import json
import os
from typing import Annotated

from mcp.server.mcpserver import MCPServer
from mcp_types import ToolAnnotations
from pydantic import BaseModel, Field

from notes_mcp import __version__
from notes_mcp.store import NoteStore

server = MCPServer(
    "notes-py",
    title="Notes",
    version=__version__,
    instructions="Keep short notes. Search before adding to avoid duplicates.",
)
store = NoteStore(os.environ.get("NOTES_DIR"))


class NoteHit(BaseModel):
    id: str
    title: str
    snippet: str = Field(description="The first 80 characters of the body.")


class SearchResult(BaseModel):
    notes: list[NoteHit]


def _require_token() -> None:
    # Checked when a tool needs the backend, not at start-up, so clients can list tools unconfigured.
    if not os.environ.get("NOTES_TOKEN"):
        raise ValueError("NOTES_TOKEN is not set: configure the server with your notes API token")


@server.tool(
    title="Add a note",
    annotations=ToolAnnotations(readOnlyHint=False, destructiveHint=False, idempotentHint=False, openWorldHint=False),
)
def add_note(
    title: Annotated[str, Field(description="A short title.")],
    body: Annotated[str, Field(description="The note text.")],
    tags: Annotated[list[str] | None, Field(description="Optional tags.")] = None,
) -> str:
    """Store a new note and return its id."""
    _require_token()
    note = store.add(title, body, tags or [])
    return f"saved note {note.id}"


@server.tool(
    title="Search notes",
    annotations=ToolAnnotations(readOnlyHint=True, destructiveHint=False, idempotentHint=True, openWorldHint=False),
)
def search_notes(
    query: Annotated[str, Field(description="Text to look for in titles, bodies and tags.")],
    limit: Annotated[int, Field(ge=1, le=50, description="How many notes to return at most.")] = 10,
) -> SearchResult:
    """Find notes whose title, body or tags contain the query."""
    hits = store.search(query, limit)
    return SearchResult(notes=[NoteHit(id=n.id, title=n.title, snippet=n.body[:80]) for n in hits])


@server.tool(
    title="Delete a note",
    annotations=ToolAnnotations(readOnlyHint=False, destructiveHint=True, idempotentHint=True, openWorldHint=False),
)
def delete_note(note_id: Annotated[str, Field(description="The id returned by add_note.")]) -> str:
    """Delete a note by id; deleting a missing note is not an error."""
    _require_token()
    return "deleted" if store.delete(note_id) else "no such note"


@server.prompt(title="Summarize notes")
def summarize_notes(topic: str = "") -> str:
    """Ask the model to summarize the notes, optionally only those about a topic."""
    scope = f" about {topic}" if topic else ""
    return f"Read the notes{scope} from the notes://index resource and summarize them in five bullet points."


@server.resource("notes://index", name="index", title="All notes", mime_type="application/json")
def notes_index() -> str:
    """Every note, as a JSON array."""
    return json.dumps([n.__dict__ for n in store.all()])


@server.resource("notes://note/{note_id}", name="note", title="One note", mime_type="application/json")
def note_by_id(note_id: str) -> str:
    """One note, as JSON."""
    note = store.get(note_id)
    if note is None:
        raise ValueError(f"no note with id {note_id}")
    return json.dumps(note.__dict__)
