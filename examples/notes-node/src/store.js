// Note storage: in memory by default, or a single JSON file when a directory is given.
//
// One store instance is shared by every MCP session in the process (stdio has one,
// stateless HTTP creates a server per request), so the data lives here and not in
// the server object.

import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const SNIPPET_LENGTH = 120;

export class NotesStore {
    /** @param {string | undefined} dir directory for notes.json; undefined keeps notes in memory */
    constructor(dir) {
        this.file = dir ? join(dir, 'notes.json') : undefined;
        this.notes = this.file ? load(this.file) : [];
    }

    add({ title, body, tags = [] }) {
        const note = { id: randomUUID(), title, body, tags, createdAt: new Date().toISOString() };
        this.notes.push(note);
        this.save();
        return note;
    }

    get(id) {
        return this.notes.find((n) => n.id === id);
    }

    list() {
        return [...this.notes];
    }

    /** @returns {boolean} whether a note was removed */
    delete(id) {
        const before = this.notes.length;
        this.notes = this.notes.filter((n) => n.id !== id);
        if (this.notes.length === before) return false;
        this.save();
        return true;
    }

    /** Notes whose title, body or tags contain the query (case-insensitive), newest first. */
    find(query) {
        const q = query.trim().toLowerCase();
        return this.notes.filter((n) => [n.title, n.body, ...n.tags].some((s) => s.toLowerCase().includes(q))).reverse();
    }

    /** Search results in the shape of search_notes' outputSchema. */
    search(query, limit) {
        const q = query.trim().toLowerCase();
        return this.find(query)
            .slice(0, limit)
            .map((n) => ({ id: n.id, title: n.title, snippet: snippet(n.body, q) }));
    }

    save() {
        if (!this.file) return;
        // Write-then-rename so a crash mid-write never leaves a truncated notes.json.
        // Sync I/O is fine here: the file is small and it keeps writes strictly ordered.
        mkdirSync(join(this.file, '..'), { recursive: true });
        const tmp = `${this.file}.${process.pid}.tmp`;
        writeFileSync(tmp, JSON.stringify({ notes: this.notes }, null, 2) + '\n');
        renameSync(tmp, this.file);
    }
}

function load(file) {
    let text;
    try {
        text = readFileSync(file, 'utf8');
    } catch (err) {
        if (err.code === 'ENOENT') return []; // first run
        throw err;
    }
    // A corrupt file is an error, not "no notes": silently starting empty would
    // overwrite the user's data on the next save.
    let data;
    try {
        data = JSON.parse(text);
    } catch (err) {
        throw new Error(`${file}: invalid JSON (${err.message})`);
    }
    if (!Array.isArray(data?.notes)) throw new Error(`${file}: expected {"notes": [...]}`);
    return data.notes;
}

/** A short excerpt of the body around the first match (or its start). */
function snippet(body, q) {
    const flat = body.replace(/\s+/g, ' ').trim();
    if (flat.length <= SNIPPET_LENGTH) return flat;
    // Start a little before the match, on a word boundary when there is one.
    const hit = flat.toLowerCase().indexOf(q);
    const space = flat.indexOf(' ', hit - 20);
    const at = hit <= 20 ? 0 : space >= 0 && space < hit ? space + 1 : hit - 20;
    const cut = flat.slice(at, at + SNIPPET_LENGTH);
    return (at > 0 ? '…' : '') + cut + (at + SNIPPET_LENGTH < flat.length ? '…' : '');
}
