#!/usr/bin/env node
// CLI entry point; all logic lives in src/ so it can be imported and tested.
import { main } from '../src/server.js';

main().catch((err) => {
    // stderr only: in stdio mode stdout is reserved for MCP JSON-RPC.
    console.error(err);
    process.exit(1);
});
