// notes-node: an MCP server to take and search notes.
//
// createNotesServer() builds the MCP server (tools, prompt, resources) around a
// NotesStore; main() picks the transport from the command line.

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import * as z from 'zod';
import { serveHttp } from './http.js';
import { NotesStore } from './store.js';

// Read rather than `import ... with { type: 'json' }`: import attributes are not
// available on every Node 18 release, and package.json is the single source of truth.
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
export const NAME = 'notes-node';
export const VERSION = pkg.version;

const USAGE = `Usage: notes-node-mcp [--http [--port 8000] [--host 127.0.0.1]]

Without options the server speaks MCP over stdio.
  --http         serve MCP Streamable HTTP at http://HOST:PORT/mcp
  --port PORT    HTTP port (default 8000; 0 picks a free port)
  --host HOST    HTTP bind address (default 127.0.0.1)

Environment:
  NOTES_TOKEN    required by add_note and delete_note
  NOTES_DIR      persist notes in $NOTES_DIR/notes.json (default: in memory)`;

const text = (t) => ({ content: [{ type: 'text', text: t }] });
const toolError = (t) => ({ ...text(t), isError: true });

/**
 * The token is checked when a write tool runs, not at startup, so that clients and
 * packaging tools can start the server and list its capabilities without secrets.
 * @returns an MCP tool error result when NOTES_TOKEN is missing, else undefined
 */
function missingToken() {
    if (process.env.NOTES_TOKEN) return undefined;
    return toolError(
        'NOTES_TOKEN is not set: set it in the environment of the notes-node server to add or delete notes.'
    );
}

/** @param {NotesStore} store */
export function createNotesServer(store) {
    const server = new McpServer(
        { name: NAME, version: VERSION },
        { instructions: 'Notes taken here can be searched later. Use search_notes before add_note to avoid duplicates.' }
    );

    server.registerTool(
        'add_note',
        {
            title: 'Add note',
            description: 'Save a new note and return its id.',
            inputSchema: {
                title: z.string().min(1).describe('Short title of the note'),
                body: z.string().describe('Note text (Markdown is fine)'),
                tags: z.array(z.string()).optional().describe('Optional tags for grouping and search')
            },
            // Each call creates a new note, so it is neither idempotent nor destructive.
            annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false }
        },
        async ({ title, body, tags }) => {
            const err = missingToken();
            if (err) return err;
            const note = store.add({ title, body, tags });
            return text(`Added note ${note.id}`);
        }
    );

    server.registerTool(
        'search_notes',
        {
            title: 'Search notes',
            description: 'Find notes whose title, body or tags contain the query (case-insensitive), newest first.',
            inputSchema: {
                query: z.string().describe('Text to look for; an empty string matches every note'),
                limit: z.number().int().min(1).max(50).default(10).describe('Maximum number of results (1-50)')
            },
            // Declared so clients can consume results as data; the SDK validates
            // structuredContent against it before replying.
            outputSchema: {
                notes: z.array(z.object({ id: z.string(), title: z.string(), snippet: z.string() }))
            },
            annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false }
        },
        async ({ query, limit }) => {
            const notes = store.search(query, limit);
            const lines = notes.map((n) => `- ${n.title} (${n.id}): ${n.snippet}`);
            // Text content mirrors the structured result for clients that ignore outputSchema.
            return {
                content: [{ type: 'text', text: notes.length ? lines.join('\n') : `No notes match "${query}".` }],
                structuredContent: { notes }
            };
        }
    );

    server.registerTool(
        'delete_note',
        {
            title: 'Delete note',
            description: 'Delete a note by id. Deleting a note that does not exist is not an error.',
            inputSchema: { id: z.string().describe('Id returned by add_note or search_notes') },
            annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false }
        },
        async ({ id }) => {
            const err = missingToken();
            if (err) return err;
            return text(store.delete(id) ? `Deleted note ${id}` : `No note with id ${id}; nothing to delete.`);
        }
    );

    server.registerPrompt(
        'summarize_notes',
        {
            title: 'Summarize notes',
            description: 'Ask the model to summarize the saved notes, optionally only those about a topic.',
            argsSchema: { topic: z.string().optional().describe('Only summarize notes matching this text') }
        },
        ({ topic }) => {
            const notes = store.find(topic ?? '');
            const about = topic ? ` about "${topic}"` : '';
            const listing = notes.map((n) => `## ${n.title}\n${n.body}`).join('\n\n') || '(no notes)';
            return {
                description: `Summarize ${notes.length} note(s)${about}`,
                messages: [
                    {
                        role: 'user',
                        content: { type: 'text', text: `Summarize my notes${about} in a few bullet points.\n\n${listing}` }
                    }
                ]
            };
        }
    );

    server.registerResource(
        'notes_index',
        'notes://index',
        { title: 'Notes index', description: 'All notes (id, title, tags, creation time)', mimeType: 'application/json' },
        (uri) => {
            const notes = store.list().map(({ id, title, tags, createdAt }) => ({ id, title, tags, createdAt }));
            return { contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify({ notes }, null, 2) }] };
        }
    );

    server.registerResource(
        'note',
        new ResourceTemplate('notes://note/{id}', {
            // Listing the template's instances lets clients browse notes in resources/list.
            list: () => ({
                resources: store.list().map((n) => ({ uri: `notes://note/${n.id}`, name: n.title, mimeType: 'text/markdown' }))
            })
        }),
        { title: 'Note', description: 'One note as Markdown', mimeType: 'text/markdown' },
        (uri, { id }) => {
            const note = store.get(String(id));
            if (!note) throw new McpError(ErrorCode.InvalidParams, `Note ${id} not found`);
            const tags = note.tags.length ? `\n\nTags: ${note.tags.join(', ')}` : '';
            return { contents: [{ uri: uri.href, mimeType: 'text/markdown', text: `# ${note.title}\n\n${note.body}${tags}\n` }] };
        }
    );

    return server;
}

export async function main(argv = process.argv.slice(2)) {
    let values;
    try {
        ({ values } = parseArgs({
            args: argv,
            options: {
                http: { type: 'boolean', default: false },
                port: { type: 'string', default: '8000' },
                host: { type: 'string', default: '127.0.0.1' },
                help: { type: 'boolean', short: 'h', default: false }
            }
        }));
    } catch (err) {
        console.error(`${err.message}\n\n${USAGE}`);
        process.exit(2);
    }
    if (values.help) {
        // stderr, because stdout belongs to the MCP protocol in stdio mode.
        console.error(USAGE);
        return;
    }

    const store = new NotesStore(process.env.NOTES_DIR || undefined);

    if (values.http) {
        const port = Number(values.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535) {
            console.error(`invalid --port: ${values.port}`);
            process.exit(2);
        }
        await serveHttp(() => createNotesServer(store), { host: values.host, port });
        return;
    }

    // stdio: stdout carries JSON-RPC only, so all diagnostics go to stderr.
    await createNotesServer(store).connect(new StdioServerTransport());
    console.error(`${NAME} ${VERSION} running on stdio`);
}
