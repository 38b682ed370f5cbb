// Load generator for bench/mcp.ts, in a worker thread: MCP SDK clients over Streamable HTTP,
// each calling one tool back to back. Plain JS: workers do not inherit tsx's loader.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { parentPort, workerData } from 'node:worker_threads';

const { url, token, tool, args, clients, callsPerClient } = workerData;

const connected = await Promise.all(
  Array.from({ length: clients }, async () => {
    const client = new Client({ name: 'bench', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(url), {
        requestInit: { headers: { authorization: `Bearer ${token}` } },
      }),
    );
    return client;
  }),
);
const latencies = [];
let errors = 0;
const started = performance.now();
await Promise.all(
  connected.map(async (client) => {
    for (let i = 0; i < callsPerClient; i++) {
      const t0 = performance.now();
      const r = await client.callTool({ name: tool, arguments: args });
      latencies.push(performance.now() - t0);
      if (r.isError) errors++;
    }
  }),
);
const elapsedMs = performance.now() - started;
await Promise.all(connected.map((c) => c.close()));
parentPort.postMessage({ elapsedMs, latencies, errors });
