import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSwitchboard } from '../../src/entry/node.js';
import { request } from 'node:http';
import { join } from 'node:path';
import { startInProcess } from '../helpers/in-process.js';
import { runCli } from '../helpers/switchboard-process.js';
import { makeTempDir } from '../helpers/temp-db.js';

const TOKEN = 'mcp-endpoint-admin-token-0123';

interface ExecuteResult {
  id: string;
  status: string;
  gate: string;
  approval: { required_phrase: string | null } | null;
  result: { exit_code: number | null; stdout_tail: string | null } | null;
}

describe('MCP endpoint (SDK client over real HTTP, stateless Streamable HTTP)', () => {
  let app: RunningSwitchboard;
  let dir: string;
  beforeAll(async () => {
    dir = makeTempDir();
    app = await startInProcess({ dir, adminToken: TOKEN, yaml: 'users: []' });
  }, 30_000);
  afterAll(async () => {
    await app?.close();
  });

  async function connect(token = TOKEN) {
    const client = new Client({ name: 'switchboard-test', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(`${app.url}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${token}` } },
    });
    await client.connect(transport);
    return client;
  }
  const call = async <T>(client: Client, name: string, args: Record<string, unknown>) => {
    const r = (await client.callTool({ name, arguments: args })) as CallToolResult;
    return { ...r, value: r.structuredContent as T };
  };

  it('lists its tools, each with an input schema and a description for a model', async () => {
    const client = await connect();
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([
      'approve',
      'execute',
      'health',
      'tasks',
      'workflow',
      'workflow_query',
    ]);
    for (const t of tools) expect(t.description?.length).toBeGreaterThan(40);
    await client.close();
  });

  it('runs a low-risk command and, with wait_seconds, returns its result', async () => {
    const client = await connect();
    const r = await call<ExecuteResult>(client, 'execute', {
      command: ['uname', '-s'],
      wait_seconds: 20,
    });
    expect(r.isError).toBeFalsy();
    expect(r.value).toMatchObject({
      status: 'succeeded',
      gate: 'none',
      result: { exit_code: 0, stdout_tail: 'Linux\n' },
    });
    expect((r.value as { mermaid?: string }).mermaid).toMatch(/^flowchart LR\n {2}T\["uname -s/);
    // The default verbosity is `mermaid` (SPEC §3.5): the diagram and outcomes, no output tails.
    const got = await call<{ status: string; stages: unknown[]; mermaid: string; summary: string }>(
      client,
      'tasks',
      { action: 'get', id: r.value.id },
    );
    expect(got.value.status).toBe('succeeded');
    expect(got.value.stages).toHaveLength(1);
    expect(got.value.mermaid).toContain('A1["✓ succeeded');
    expect(got.value.summary).toMatch(/^✓ uname -s .* succeeded · Linux$/);
    expect(JSON.stringify(got.value.stages)).not.toContain('stdout_tail');
    const standard = await call<{ stages: { stdout_tail: string }[]; excerpt: string }>(
      client,
      'tasks',
      { action: 'get', id: r.value.id, verbosity: 'standard' },
    );
    expect(standard.value.stages[0]?.stdout_tail).toBe('Linux\n');
    expect(standard.value.excerpt).toBe('Linux');
    await client.close();
  });

  it('never skips a gate: risky work waits, and the same client cannot approve it', async () => {
    const client = await connect();
    const r = await call<ExecuteResult>(client, 'execute', {
      command: ['touch', '/tmp/mcp-gated'],
    });
    expect(r.value).toMatchObject({ status: 'awaiting_approval', gate: 'tap' });
    const approve = await client.callTool({
      name: 'approve',
      arguments: { id: r.value.id, decision: 'approve' },
    });
    expect(approve.isError).toBe(true);
    expect(JSON.stringify(approve.content)).toContain('requested by this same client');
    const still = await call<{ status: string }>(client, 'tasks', {
      action: 'get',
      id: r.value.id,
      verbosity: 'summary',
    });
    expect(still.value.status).toBe('awaiting_approval');
    // Rejecting its own request is fine: that only ever makes less happen.
    const reject = await call<{ status: string }>(client, 'approve', {
      id: r.value.id,
      decision: 'reject',
    });
    expect(reject.value.status).toBe('rejected');
    await client.close();
  });

  it('holds free text it could only guess at for a person’s Run, and answers chatter with help', async () => {
    const client = await connect();
    const chatter = await client.callTool({ name: 'execute', arguments: { text: 'hi' } });
    expect(chatter.isError).toBe(true);
    expect(JSON.stringify(chatter.content)).toContain('/help');
    const r = await call<ExecuteResult & { approval: { decide_in: string } }>(client, 'execute', {
      text: 'make onboarding nicer',
      wait_seconds: 1,
    });
    expect(r.value).toMatchObject({
      status: 'awaiting_approval',
      gate: 'confirm',
      approval: { required_phrase: null, decide_in: expect.stringMatching(/^Run, in Telegram/) },
    });
    // The same client cannot confirm its own guess: a person does.
    const approve = await client.callTool({
      name: 'approve',
      arguments: { id: r.value.id, decision: 'approve' },
    });
    expect(approve.isError).toBe(true);
    await client.close();
  });

  it('answers expected failures as isError results and malformed JSON-RPC as a protocol error', async () => {
    const client = await connect();
    const both = await client.callTool({
      name: 'execute',
      arguments: { prompt: 'x', command: ['ls'] },
    });
    expect(both.isError).toBe(true);
    const unknown = await client.callTool({
      name: 'tasks',
      arguments: { action: 'get', id: '01a20286-4597-76c3-aed0-aa8a3b49479c' },
    });
    expect(unknown.isError).toBe(true);
    const invalid = await client.callTool({
      name: 'execute',
      arguments: { command: 'not an array' },
    });
    expect(invalid.isError).toBe(true);
    const noTool = await client.callTool({ name: 'no-such-tool', arguments: {} });
    expect(noTool.isError).toBe(true);
    expect(JSON.stringify(noTool.content)).toContain('no-such-tool');
    await client.close();
    // Not JSON-RPC at all: a JSON-RPC parse error, not a tool result.
    const res = await fetch(`${app.url}/mcp`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${TOKEN}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: '{"jsonrpc": "2.0", "method": ',
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: number } }).error.code).toBe(-32700);
  });

  it('sends progress notifications while execute waits, and returns when the wait is over', async () => {
    const client = await connect();
    const progress: {
      progress: number;
      total?: number | undefined;
      message?: string | undefined;
    }[] = [];
    const r = (await client.callTool(
      { name: 'execute', arguments: { command: ['touch', 'mcp-progress'], wait_seconds: 2 } },
      undefined,
      { onprogress: (p) => progress.push(p) },
    )) as CallToolResult;
    // Gated, so it never finishes: the wait runs out and the task id comes back.
    expect((r.structuredContent as { status: string }).status).toBe('awaiting_approval');
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress.every((p) => p.message === 'awaiting_approval' && p.total === 2_000)).toBe(
      true,
    );
    const values = progress.map((p) => p.progress);
    expect([...values].sort((a, b) => a - b)).toEqual(values);
    await client.close();
  });

  it('refuses an oversized body with 413 before the MCP server reads it', async () => {
    const res = await fetch(`${app.url}/mcp`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${TOKEN}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'execute', arguments: { prompt: 'x'.repeat(2 * 1024 * 1024) } },
      }),
    });
    expect(res.status).toBe(413);
  });

  it('reports health with the breakers', async () => {
    const client = await connect();
    const h = await call<{ queue_depth: number; breakers: { scope: string }[] }>(
      client,
      'health',
      {},
    );
    expect(h.value.breakers.map((b) => b.scope)).toEqual(['day', 'month']);
    expect(typeof h.value.queue_depth).toBe('number');
    await client.close();
  });

  it('refuses a missing or wrong token with a Bearer challenge, and a foreign browser Origin with 403', async () => {
    const init = {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: {
        protocolVersion: '2025-06-18',
        capabilities: {},
        clientInfo: { name: 'x', version: '1' },
      },
    };
    const post = (headers: Record<string, string>) =>
      fetch(`${app.url}/mcp`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...headers,
        },
        body: JSON.stringify(init),
      });
    for (const headers of [{}, { authorization: 'Bearer wrong-token' }, { authorization: TOKEN }]) {
      const res = await post(headers);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    }
    expect(
      (await post({ authorization: `Bearer ${TOKEN}`, origin: 'https://evil.example' })).status,
    ).toBe(403);
    expect((await post({ authorization: `Bearer ${TOKEN}`, origin: app.url })).status).toBe(200);
    expect((await post({ authorization: `Bearer ${TOKEN}` })).status).toBe(200);
  });

  it('refuses a Host name it does not answer to (DNS rebinding), and serves IPs and localhost', async () => {
    const { port } = new URL(app.url);
    const status = (host: string, path = '/mcp', method = 'POST') =>
      new Promise<number>((resolve, reject) => {
        const req = request(
          {
            host: '127.0.0.1',
            port,
            path,
            method,
            headers: {
              host,
              authorization: `Bearer ${TOKEN}`,
              'content-type': 'application/json',
              accept: 'application/json, text/event-stream',
            },
          },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        req.end(
          method === 'POST'
            ? JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' })
            : undefined,
        );
      });
    expect(await status(`attacker.example:${port}`)).toBe(403);
    expect(await status('rebind.127.0.0.1.nip.io')).toBe(403);
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]) {
      expect(await status(host)).not.toBe(403);
    }
    // The OAuth server's endpoints too: a rebound page must not start or finish a connect.
    for (const [path, method] of [
      ['/.well-known/oauth-authorization-server', 'GET'],
      ['/.well-known/oauth-protected-resource/mcp', 'GET'],
      ['/authorize?client_id=x', 'GET'],
      ['/authorize/status?grant=x', 'GET'],
      ['/register', 'POST'],
      ['/token', 'POST'],
      ['/revoke', 'POST'],
    ] as const) {
      expect(await status(`attacker.example:${port}`, path, method), path).toBe(403);
      expect(await status(`127.0.0.1:${port}`, path, method), path).not.toBe(403);
    }
  });

  it('keeps concurrent clients apart: each gets only its own answers', async () => {
    const clients = await Promise.all(Array.from({ length: 4 }, () => connect()));
    const results = await Promise.all(
      clients.flatMap((c, i) =>
        Array.from({ length: 5 }, (_, j) =>
          call<ExecuteResult>(c, 'execute', {
            command: ['uname', i % 2 ? '-m' : '-s'],
            wait_seconds: 20,
          }).then((r) => [i, j, r.value] as const),
        ),
      ),
    );
    for (const [i, , value] of results) {
      expect(value.status).toBe('succeeded');
      expect(value.result?.stdout_tail).toBe(
        i % 2 ? `${process.arch === 'x64' ? 'x86_64' : 'aarch64'}\n` : 'Linux\n',
      );
    }
    expect(new Set(results.map(([, , v]) => v.id)).size).toBe(20);
    await Promise.all(clients.map((c) => c.close()));
  }, 30_000);

  it('takes static client tokens made by the CLI, with their role, until revoked', async () => {
    const cli = async (...args: string[]) => {
      const run = runCli(['token', ...args], dir, { SWITCHBOARD_DATA_DIR: join(dir, 'data') });
      return { code: await run.exited, out: run.stdout(), err: run.stderr() };
    };
    const made = await cli('create', '--name', 'planner', '--role', 'viewer');
    expect(made.code).toBe(0);
    const token = /sbc_[A-Za-z0-9_-]{43}/.exec(made.out)?.[0];
    expect(token).toBeDefined();
    expect((await cli('create', '--name', 'planner', '--role', 'owner')).code).toBe(1);
    expect((await cli('create', '--name', 'x', '--role', 'admin')).code).toBe(2);
    const viewer = await connect(token);
    // A viewer may look, not start work.
    expect((await call(viewer, 'health', {})).isError).toBeFalsy();
    const refused = await viewer.callTool({ name: 'execute', arguments: { command: ['uname'] } });
    expect(refused.isError).toBe(true);
    expect(JSON.stringify(refused.content)).toContain('viewer may not do task.submit');
    await viewer.close();
    const listed = await cli('list');
    expect(listed.out).toMatch(/^planner\tviewer\tcreated .*\tlast used /m);
    expect((await cli('revoke', '--name', 'planner')).code).toBe(0);
    await expect(connect(token)).rejects.toThrow();
    expect((await cli('revoke', '--name', 'planner')).code).toBe(1);
  }, 30_000);
});
