import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { Hono } from 'hono';
import type { CoreDeps } from '../src/core/deps.js';
import { initWorkflow } from '../src/core/use-cases/init-workflow.js';
import { specWorkflow } from '../src/core/use-cases/spec-workflow.js';
import { submitWorkflowTask } from '../src/core/use-cases/submit-workflow-task.js';
import { writeWorkflowStage } from '../src/core/use-cases/write-workflow-stage.js';
import { MCP_ADMIN_ACTOR } from '../src/gateway/middleware/mcp-auth.js';
import { benchGateway, closeServer, listen, runWorker } from './bench-gateway.js';
import { median, percentile } from './stats.js';

export interface McpBenchOptions {
  readonly rounds: number;
  readonly clients: number;
  readonly callsPerClient: number;
}

export const DEFAULT_MCP_BENCH_OPTIONS: McpBenchOptions = {
  rounds: 3,
  clients: 8,
  callsPerClient: 150,
};

export interface McpPath {
  readonly rates: readonly number[];
  readonly rate: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
}

export interface McpBenchResult {
  readonly options: McpBenchOptions;
  readonly baseline: McpPath;
  readonly switchboard: McpPath;
}

const TOKEN = 'bench-mcp-admin-token-0123456789';

/** The least an MCP server over the same transport can be: stateless, one trivial tool. */
function minimalServer() {
  // Given one shared JSON-schema validator like Switchboard's, so that the SDK's default (a new
  // Ajv per server) does not make the baseline look slow.
  const jsonSchemaValidator = new AjvJsonSchemaValidator();
  return new Hono().all('/mcp', async (c) => {
    const server = new McpServer({ name: 'minimal', version: '1.0.0' }, { jsonSchemaValidator });
    server.registerTool('ping', { description: 'Answers ok.' }, () => ({
      content: [{ type: 'text', text: 'ok' }],
    }));
    const transport = new WebStandardStreamableHTTPServerTransport({});
    await server.connect(transport);
    return transport.handleRequest(c.req.raw);
  });
}

interface Load {
  elapsedMs: number;
  latencies: number[];
  errors: number;
}

const load = (data: {
  url: string;
  tool: string;
  args: Record<string, unknown>;
  clients: number;
  callsPerClient: number;
}) => runWorker<Load>(new URL('./mcp-load.mjs', import.meta.url), { token: TOKEN, ...data });

/**
 * The workflow the measured calls summarise: criteria, one execution stage (a queued task, read
 * live) and two logged stages, as a planner's workflow looks mid-way.
 */
async function prepareWorkflow(core: CoreDeps): Promise<string> {
  const args = { deps: core, actor: MCP_ADMIN_ACTOR };
  const must = <T>(r: { ok: true; value: T } | { ok: false; error: unknown }): T => {
    if (!r.ok) throw new Error(`bench setup failed: ${JSON.stringify(r.error)}`);
    return r.value;
  };
  const w = must(await initWorkflow({ ...args, input: { title: 'bench workflow' } }));
  must(await specWorkflow({ ...args, input: { id: w.id, acceptance: ['tests pass'] } }));
  must(
    await submitWorkflowTask({
      ...args,
      input: { workflowId: w.id, draft: { kind: 'shell', host: 'local', argv: ['uname', '-s'] } },
    }),
  );
  for (const executor of ['codex', 'claude-sonnet']) {
    must(
      await writeWorkflowStage({
        ...args,
        input: {
          id: w.id,
          name: `review by ${executor}`,
          outcome: 'succeeded',
          executor,
          output: 'all tests pass\n'.repeat(20),
          costUsd: 0.1,
          latencyMs: 2_000,
          tokensIn: 1_000,
          tokensOut: 200,
        },
      }),
    );
  }
  return w.id;
}

/** tools/call of `workflow_query` summary on the real /mcp vs a minimal SDK server's `ping`. */
export async function runMcpBench(
  o: McpBenchOptions = DEFAULT_MCP_BENCH_OPTIONS,
  log: (line: string) => void = () => {},
): Promise<McpBenchResult> {
  const { handle, app, core } = await benchGateway(TOKEN);
  const workflowId = await prepareWorkflow(core);
  const [sb, base] = await Promise.all([
    listen(app.fetch, '/mcp'),
    listen(minimalServer().fetch, '/mcp'),
  ]);
  const paths = {
    baseline: { url: base.url, tool: 'ping', args: {}, loads: [] as Load[] },
    switchboard: {
      url: sb.url,
      tool: 'workflow_query',
      args: { query: 'summary', id: workflowId },
      loads: [] as Load[],
    },
  };
  try {
    for (const p of Object.values(paths))
      await load({ ...p, clients: o.clients, callsPerClient: 30 });
    for (let round = 0; round < o.rounds; round++) {
      for (const [name, p] of Object.entries(paths)) {
        const r = await load({ ...p, clients: o.clients, callsPerClient: o.callsPerClient });
        p.loads.push(r);
        log(
          `  round ${round + 1} ${name}: ${Math.round((r.latencies.length * 1000) / r.elapsedMs)} calls/s`,
        );
      }
    }
    const path = (loads: readonly Load[]): McpPath => {
      const rates = loads.map((l) => (l.latencies.length * 1000) / l.elapsedMs);
      const all = loads.flatMap((l) => l.latencies).sort((a, b) => a - b);
      return {
        rates,
        rate: median(rates),
        p50: percentile(all, 50),
        p99: percentile(all, 99),
        errors: loads.reduce((n, l) => n + l.errors, 0),
      };
    };
    return {
      options: o,
      baseline: path(paths.baseline.loads),
      switchboard: path(paths.switchboard.loads),
    };
  } finally {
    await Promise.all([closeServer(sb.server), closeServer(base.server)]);
    handle.close();
  }
}

const TARGET = 0.5;

export function renderMcpSection(r: McpBenchResult): string {
  const o = r.options;
  const ratio = r.switchboard.rate / r.baseline.rate;
  const int = (n: number) => Math.round(n).toLocaleString('en-US');
  const f = (n: number) => n.toFixed(2);
  const row = (label: string, p: McpPath) =>
    `| ${label} | ${int(p.rate)} | ${p.rates.map(int).join(', ')} | ${f(p.p50)} ms | ${f(p.p99)} ms | ${p.errors} |`;
  return `## MCP tools/call

\`bench/mcp.ts\` (\`npx tsx bench/run.ts --only mcp\` reruns just this section). ${o.clients} MCP SDK
clients in a worker thread, each calling one tool ${o.callsPerClient} times back to back, over Streamable HTTP;
${o.rounds} rounds, paths in turn, median round. Switchboard: the real gateway's \`/mcp\` (bearer check, a
fresh stateless server per request, all six tools registered) calling \`workflow_query\` \`summary\` of a
prepared workflow (acceptance criteria, one execution stage whose queued task and attempts are read
live, two logged stages) from a libSQL file. Baseline: a minimal stateless MCP SDK server on the same
transport with one trivial tool. Both share one JSON-schema validator across requests (the SDK's
default builds a new Ajv per server, which was most of a call's cost).

| Path | Calls/s (median) | Rounds | p50 | p99 | isError |
| --- | --- | --- | --- | --- | --- |
${row('baseline: minimal SDK server, one trivial tool', r.baseline)}
${row('**switchboard: /mcp, `workflow_query` summary**', r.switchboard)}

- **Throughput:** ${ratio.toFixed(2)}× the minimal server (target ≥ ${TARGET}×, ${ratio >= TARGET ? 'met' : '**missed**'}).`;
}
