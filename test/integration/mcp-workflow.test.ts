import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSwitchboard } from '../../src/entry/node.js';
import { startInProcess } from '../helpers/in-process.js';
import { runCli } from '../helpers/switchboard-process.js';
import { makeTempDir } from '../helpers/temp-db.js';

const TOKEN = 'mcp-workflow-admin-token-0123';

describe('MCP workflow lifecycle (SDK client over real HTTP, libSQL file)', () => {
  let app: RunningSwitchboard;
  let dir: string;
  const tokens: Record<string, string> = {};
  beforeAll(async () => {
    dir = makeTempDir();
    app = await startInProcess({ dir, adminToken: TOKEN, yaml: 'users: []' });
    for (const name of ['planner-a', 'planner-b']) {
      const run = runCli(['token', 'create', '--name', name, '--role', 'approver'], dir, {
        SWITCHBOARD_DATA_DIR: join(dir, 'data'),
      });
      expect(await run.exited).toBe(0);
      const token = /sbc_[A-Za-z0-9_-]{43}/.exec(run.stdout())?.[0];
      if (!token) throw new Error(`no token in ${run.stdout()} ${run.stderr()}`);
      tokens[name] = token;
    }
  }, 60_000);
  afterAll(async () => {
    await app?.close();
  });

  async function connect(token = TOKEN) {
    const client = new Client({ name: 'workflow-test', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${app.url}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${token}` } },
      }),
    );
    return client;
  }
  const call = async <T = Record<string, unknown>>(
    client: Client,
    name: string,
    args: Record<string, unknown>,
  ) => {
    const r = (await client.callTool({ name, arguments: args })) as CallToolResult;
    return { ...r, value: r.structuredContent as T, text: JSON.stringify(r.content) };
  };
  const ok = async <T = Record<string, unknown>>(
    client: Client,
    name: string,
    args: Record<string, unknown>,
  ) => {
    const r = await call<T>(client, name, args);
    if (r.isError) throw new Error(`${name} ${JSON.stringify(args)} failed: ${r.text}`);
    return r.value;
  };

  it('runs init → spec → execute → write → queries → close, and refuses writes after close', async () => {
    const a = await connect(tokens['planner-a']);
    const w = await ok<{ id: string; status: string }>(a, 'workflow', {
      action: 'init',
      title: 'Know the kernel',
      goal: 'Report the OS name',
    });
    expect(w.status).toBe('open');
    const state0 = await ok<{ next: string }>(a, 'workflow_query', { query: 'state', id: w.id });
    expect(state0.next).toMatch(/^spec missing/);
    const specced = await ok<{ acceptance: string[] }>(a, 'workflow', {
      action: 'spec',
      id: w.id,
      acceptance: ['prints the kernel name', 'exit code 0'],
    });
    expect(specced.acceptance).toEqual(['prints the kernel name', 'exit code 0']);

    const ran = await ok<{
      id: string;
      status: string;
      workflow: { id: string; stage_seq: number };
      result: { stdout_tail: string };
    }>(a, 'execute', { command: ['uname', '-s'], workflow_id: w.id, wait_seconds: 20 });
    expect(ran).toMatchObject({
      status: 'succeeded',
      workflow: { id: w.id, stage_seq: 1 },
      result: { stdout_tail: 'Linux\n' },
    });
    const consensus1 = await ok<{ agreement: number | null; note: string }>(a, 'workflow_query', {
      query: 'consensus',
      id: w.id,
    });
    expect(consensus1.agreement).toBeNull();
    expect(consensus1.note).toMatch(/needs two finished stages; this workflow has 1/);

    const written = await ok(a, 'workflow', {
      action: 'write',
      id: w.id,
      name: 'check by hand',
      outcome: 'succeeded',
      executor: 'codex',
      task_kind: 'review',
      output: 'Linux\nextra line\n',
      cost_usd: 0.25,
      latency_ms: 1500,
      tokens_in: 100,
      tokens_out: 50,
    });
    expect(written).toMatchObject({ seq: 2, output_truncated: false, stats_recorded: true });

    const summary = await ok<{
      status: string;
      acceptance: string[];
      stages: {
        seq: number;
        kind: string;
        task_id: string | null;
        task_status: string | null;
        name: string;
      }[];
      totals: { cost_usd: number; tokens_in: number; tokens_out: number; latency_ms: number };
    }>(a, 'workflow_query', { query: 'summary', id: w.id });
    expect(summary.stages).toMatchObject([
      { seq: 1, kind: 'execution', task_id: ran.id, task_status: 'succeeded', name: 'uname -s' },
      { seq: 2, kind: 'log', task_id: null, task_status: null, name: 'check by hand' },
    ]);
    expect(summary.totals).toMatchObject({ cost_usd: 0.25, tokens_in: 100, tokens_out: 50 });
    expect(summary.totals.latency_ms).toBeGreaterThanOrEqual(1500);

    const state = await ok<{ next: string; current: unknown }>(a, 'workflow_query', {
      query: 'state',
      id: w.id,
    });
    expect(state).toMatchObject({ current: null });
    expect(state.next).toMatch(/^ready to close/);

    const consensus = await ok<{ agreement: number; diff: string }>(a, 'workflow_query', {
      query: 'consensus',
      id: w.id,
    });
    expect(consensus.agreement).toBe(0.5);
    expect(consensus.diff).toContain('+extra line');
    expect(consensus.diff).toContain(' Linux');

    const stats = await ok<{ items: { executor: string; task_kind: string; runs: number }[] }>(
      a,
      'workflow_query',
      { query: 'stats' },
    );
    expect(stats.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ executor: 'shell', task_kind: 'shell', success_rate: 1 }),
        expect.objectContaining({
          executor: 'codex',
          task_kind: 'review',
          runs: 1,
          avg_cost_usd: 0.25,
        }),
      ]),
    );
    const onlyCodex = await ok<{ items: unknown[] }>(a, 'workflow_query', {
      query: 'stats',
      executor: 'codex',
    });
    expect(onlyCodex.items).toHaveLength(1);
    const chosen = await ok<{ executor: string | null; qualified: boolean; reason: string }>(
      a,
      'workflow_query',
      { query: 'chooser', task_kind: 'review', min_runs: 1 },
    );
    expect(chosen).toMatchObject({ executor: 'codex', qualified: true });
    const unqualified = await ok<{ executor: string | null; qualified: boolean }>(
      a,
      'workflow_query',
      { query: 'chooser', task_kind: 'review' },
    );
    expect(unqualified).toMatchObject({ executor: 'codex', qualified: false });

    const closed = await ok(a, 'workflow', {
      action: 'close',
      id: w.id,
      verdict: 'passed',
      notes: 'both criteria met',
    });
    expect(closed).toMatchObject({ status: 'closed', verdict: 'passed' });
    const again = await call(a, 'workflow', { action: 'close', id: w.id, verdict: 'failed' });
    expect(again.isError).toBe(true);
    expect(again.text).toContain('already closed');
    const late = await call(a, 'workflow', {
      action: 'write',
      id: w.id,
      name: 'late',
      outcome: 'failed',
    });
    expect(late.isError).toBe(true);
    expect(late.value).toMatchObject({ error: 'workflow_closed' });
    const lateRun = await call(a, 'execute', { command: ['uname'], workflow_id: w.id });
    expect(lateRun.isError).toBe(true);
    expect(
      (await ok<{ stages: unknown[] }>(a, 'workflow_query', { query: 'summary', id: w.id })).stages,
    ).toHaveLength(2);
    await a.close();
  }, 60_000);

  it('keeps a workflow from other clients, and says when an execution waits for approval', async () => {
    const a = await connect(tokens['planner-a']);
    const b = await connect(tokens['planner-b']);
    const w = await ok<{ id: string }>(a, 'workflow', { action: 'init', title: 'private' });
    for (const [tool, args] of [
      ['workflow_query', { query: 'summary', id: w.id }],
      ['workflow_query', { query: 'state', id: w.id }],
      ['workflow', { action: 'spec', id: w.id, acceptance: ['x'] }],
      ['workflow', { action: 'close', id: w.id, verdict: 'abandoned' }],
      ['execute', { command: ['uname'], workflow_id: w.id }],
    ] as const) {
      const r = await call(b, tool, args);
      expect(r.isError).toBe(true);
      expect(r.text).toContain(`No workflow with id ${w.id}`);
    }
    const missing = await call(b, 'workflow_query', { query: 'summary', id: 'no-such-workflow' });
    expect(missing.text).toContain('No workflow with id no-such-workflow');
    // The owner may look at any workflow.
    const admin = await connect();
    expect((await call(admin, 'workflow_query', { query: 'state', id: w.id })).isError).toBeFalsy();
    const gated = await ok<{ id: string; status: string }>(a, 'execute', {
      command: ['touch', '/tmp/mcp-workflow-gated'],
      workflow_id: w.id,
    });
    expect(gated.status).toBe('awaiting_approval');
    const state = await ok<{ next: string; current: { task_id: string } }>(a, 'workflow_query', {
      query: 'state',
      id: w.id,
    });
    expect(state.current.task_id).toBe(gated.id);
    expect(state.next).toBe(
      `waiting for approval of task ${gated.id} (the operator decides in Telegram or the web app)`,
    );
    await Promise.all([a.close(), b.close(), admin.close()]);
  }, 30_000);

  it('answers bad inputs with isError results', async () => {
    const a = await connect(tokens['planner-a']);
    const w = await ok<{ id: string }>(a, 'workflow', { action: 'init', title: 'inputs' });
    const bad: [string, Record<string, unknown>, string][] = [
      ['workflow', { action: 'init' }, 'Give a title'],
      ['workflow', { action: 'init', title: '   ' }, 'Invalid input'],
      ['workflow', { action: 'spec', id: w.id, acceptance: [] }, 'Invalid input'],
      ['workflow', { action: 'spec', id: w.id, acceptance: Array(21).fill('c') }, ''],
      ['workflow', { action: 'spec', id: w.id, acceptance: ['x'.repeat(501)] }, ''],
      ['workflow', { action: 'write', id: w.id, name: 'n' }, 'Give a name and an outcome'],
      ['workflow', { action: 'write', id: w.id, name: 'n', outcome: 'great' }, ''],
      ['workflow', { action: 'write', id: w.id, name: 'n', outcome: 'failed', cost_usd: -1 }, ''],
      ['workflow', { action: 'close', id: w.id, verdict: 'maybe' }, ''],
      ['workflow', { action: 'close', id: w.id }, 'Give a verdict'],
      ['workflow', { action: 'explode', id: w.id }, ''],
      ['workflow_query', { query: 'summary' }, 'Give the workflow id'],
      ['workflow_query', { query: 'chooser' }, 'Give a task_kind'],
      ['workflow_query', { query: 'chooser', task_kind: 'x', min_success_rate: 2 }, ''],
    ];
    for (const [tool, args, message] of bad) {
      const r = await call(a, tool, args);
      expect(r.isError, `${tool} ${JSON.stringify(args)}`).toBe(true);
      expect(r.text).toContain(message);
    }
    const long = await ok<{ output_truncated: boolean }>(a, 'workflow', {
      action: 'write',
      id: w.id,
      name: 'long',
      outcome: 'succeeded',
      output: 'z'.repeat(25_000),
    });
    expect(long.output_truncated).toBe(true);
    await a.close();
  }, 30_000);
});
