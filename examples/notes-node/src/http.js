// Streamable HTTP transport, served at /mcp.
//
// Stateless mode (the SDK's recommendation for simple request/response servers):
// every POST gets a fresh McpServer + transport, so there are no sessions to track
// or expire. Notes still persist across requests because all servers share one store.

import { createServer } from 'node:http';
import { createMcpExpressApp } from '@modelcontextprotocol/sdk/server/express.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';

const jsonRpcError = (code, message) => ({ jsonrpc: '2.0', error: { code, message }, id: null });

/**
 * @param {() => import('@modelcontextprotocol/sdk/server/mcp.js').McpServer} newServer
 * @param {{ host: string, port: number }} options
 * @returns {Promise<import('node:http').Server>} resolves once listening
 */
export async function serveHttp(newServer, { host, port }) {
    // createMcpExpressApp parses JSON bodies and, when bound to a loopback host,
    // rejects foreign Host headers (DNS rebinding protection).
    const app = createMcpExpressApp({ host });

    app.post('/mcp', async (req, res) => {
        const server = newServer();
        const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
        res.on('close', () => {
            transport.close();
            server.close();
        });
        try {
            await server.connect(transport);
            await transport.handleRequest(req, res, req.body);
        } catch (err) {
            console.error('error handling MCP request:', err);
            if (!res.headersSent) res.status(500).json(jsonRpcError(-32603, 'Internal server error'));
        }
    });

    // Stateless: no standalone SSE stream (GET) and no session to end (DELETE).
    // Clients treat 405 as "not supported" and carry on with POST.
    const notAllowed = (_req, res) => res.status(405).set('Allow', 'POST').json(jsonRpcError(-32000, 'Method not allowed.'));
    app.get('/mcp', notAllowed);
    app.delete('/mcp', notAllowed);

    const httpServer = createServer(app);
    await new Promise((resolve, reject) => {
        httpServer.once('error', reject); // e.g. EADDRINUSE
        httpServer.listen(port, host, resolve);
    });

    // Report the real port (matters for --port 0). Tests parse this exact line.
    const urlHost = host.includes(':') ? `[${host}]` : host;
    console.error(`listening on http://${urlHost}:${httpServer.address().port}/mcp`);
    return httpServer;
}
