// End-to-end tests: spawn the real bin and talk to it with the SDK client,
// the same way an MCP host would. Every wait is bounded and every child is killed.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const BIN = fileURLToPath(new URL('../bin/notes-node-mcp.js', import.meta.url));
const TEST_TIMEOUT = 30_000;
const REQ = { timeout: 10_000 }; // per-request bound for SDK calls

/** process.env without the variables under test, so the host's env cannot leak in. */
function baseEnv(extra = {}) {
    const { NOTES_TOKEN, NOTES_DIR, ...env } = process.env;
    return { ...env, ...extra };
}

/** Connect an SDK client to the bin over stdio. client.close() kills the child. */
async function stdioClient(env) {
    const transport = new StdioClientTransport({ command: process.execPath, args: [BIN], env, stderr: 'pipe' });
    const client = new Client({ name: 'notes-node-test', version: '0.0.0' });
    await client.connect(transport, REQ);
    return client;
}

test('stdio: lists tools, adds and searches notes, persists to NOTES_DIR', { timeout: TEST_TIMEOUT }, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'notes-node-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const client = await stdioClient(baseEnv({ NOTES_TOKEN: 'test-token', NOTES_DIR: dir }));
    t.after(() => client.close());

    assert.equal(client.getServerVersion().name, 'notes-node');

    const { tools } = await client.listTools({}, REQ);
    assert.deepEqual(tools.map((tool) => tool.name).sort(), ['add_note', 'delete_note', 'search_notes']);
    const search = tools.find((tool) => tool.name === 'search_notes');
    assert.equal(search.outputSchema?.type, 'object');
    assert.ok(search.outputSchema.properties.notes, 'outputSchema declares notes');
    assert.equal(search.annotations.readOnlyHint, true);
    const del = tools.find((tool) => tool.name === 'delete_note');
    assert.equal(del.annotations.destructiveHint, true);
    assert.equal(del.annotations.idempotentHint, true);

    const added = await client.callTool(
        { name: 'add_note', arguments: { title: 'Groceries', body: 'Buy oat milk and coffee beans', tags: ['shopping'] } },
        undefined,
        REQ
    );
    assert.ok(!added.isError, added.content[0].text);
    const id = added.content[0].text.match(/Added note (\S+)/)?.[1];
    assert.ok(id, `note id in: ${added.content[0].text}`);

    const found = await client.callTool({ name: 'search_notes', arguments: { query: 'COFFEE' } }, undefined, REQ);
    assert.ok(!found.isError);
    assert.deepEqual(found.structuredContent, {
        notes: [{ id, title: 'Groceries', snippet: 'Buy oat milk and coffee beans' }]
    });
    assert.match(found.content[0].text, /Groceries/);

    const saved = JSON.parse(readFileSync(join(dir, 'notes.json'), 'utf8'));
    assert.equal(saved.notes[0].id, id);

    const index = await client.readResource({ uri: 'notes://index' }, REQ);
    assert.equal(JSON.parse(index.contents[0].text).notes[0].id, id);

    const deleted = await client.callTool({ name: 'delete_note', arguments: { id } }, undefined, REQ);
    assert.ok(!deleted.isError);
    const after = await client.callTool({ name: 'search_notes', arguments: { query: 'coffee' } }, undefined, REQ);
    assert.deepEqual(after.structuredContent, { notes: [] });
});

test('stdio: listing works without NOTES_TOKEN; write tools report a tool error', { timeout: TEST_TIMEOUT }, async (t) => {
    const client = await stdioClient(baseEnv());
    t.after(() => client.close());

    assert.equal((await client.listTools({}, REQ)).tools.length, 3);
    const { prompts } = await client.listPrompts({}, REQ);
    assert.deepEqual(prompts.map((p) => p.name), ['summarize_notes']);
    const { resources } = await client.listResources({}, REQ);
    assert.ok(resources.some((r) => r.uri === 'notes://index'));

    const result = await client.callTool({ name: 'add_note', arguments: { title: 't', body: 'b' } }, undefined, REQ);
    assert.equal(result.isError, true);
    assert.match(result.content[0].text, /^NOTES_TOKEN is not set: /);
});

test('http: --http --port 0 serves /mcp', { timeout: TEST_TIMEOUT }, async (t) => {
    const child = spawn(process.execPath, [BIN, '--http', '--port', '0'], {
        env: baseEnv(),
        stdio: ['ignore', 'ignore', 'pipe']
    });
    t.after(async () => {
        if (child.exitCode === null && child.signalCode === null) {
            child.kill('SIGTERM');
            await once(child, 'exit');
        }
    });

    const url = await new Promise((resolve, reject) => {
        let stderr = '';
        const timer = setTimeout(() => reject(new Error(`no listening line within 10s; stderr:\n${stderr}`)), 10_000);
        child.stderr.setEncoding('utf8');
        child.stderr.on('data', (chunk) => {
            stderr += chunk;
            const m = stderr.match(/^listening on (http:\/\/\S+\/mcp)$/m);
            if (m) {
                clearTimeout(timer);
                resolve(m[1]);
            }
        });
        child.once('exit', (code) => {
            clearTimeout(timer);
            reject(new Error(`server exited (${code}) before listening; stderr:\n${stderr}`));
        });
    });
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/mcp$/);

    const client = new Client({ name: 'notes-node-test', version: '0.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(url)), REQ);
    t.after(() => client.close());

    const { tools } = await client.listTools({}, REQ);
    assert.deepEqual(tools.map((tool) => tool.name).sort(), ['add_note', 'delete_note', 'search_notes']);
});
