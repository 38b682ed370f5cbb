import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EMPTY_STAGE_RESULT, STORED_OUTPUT_BYTES } from '../../src/core/stage.js';
import { createRunnerRegistry } from '../../src/db/repositories/runner-registry.js';
import { hashToken } from '../../src/gateway/token-hash.js';
import { BODY_LIMIT_BYTES, T0, createTestApp, type TestApp } from '../helpers/test-app.js';

// /runner/v1 at the HTTP edge, on the real gateway over a real libSQL file: what a runner
// service may send, and how its stored output reads back through /api.
const RUNNER_TOKEN = 'runner-token-for-protocol-tests-0123';

interface ClaimJson {
  claim: { task: { id: string }; lease: { fencingToken: number } };
}
interface OutputJson {
  task_id: string;
  attempt: number;
  stdout: string;
  stderr: string;
  stdout_bytes: number;
  stderr_bytes: number;
  truncated: boolean;
}

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
  await createRunnerRegistry(t.db.db).register(
    { id: 'runner-1', name: 'vm-runner', createdAt: T0, lastSeenAt: T0 },
    await hashToken(RUNNER_TOKEN),
  );
});
afterEach(() => t.dispose());

const runnerPost = (path: string, body: string) =>
  t.raw(`/runner/v1${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${RUNNER_TOKEN}`, 'content-type': 'application/json' },
    body,
  });

/** Queues `ls` and claims it as runner-1. */
async function claimOne() {
  const created = await t.send('POST', '/api/tasks', {
    kind: 'shell',
    host: 'local',
    argv: ['ls'],
  });
  expect(created.status).toBe(201);
  const res = await runnerPost('/claim', JSON.stringify({ wait_s: 0 }));
  expect(res.status).toBe(200);
  const { claim } = (await res.json()) as ClaimJson;
  return { id: claim.task.id, token: claim.lease.fencingToken };
}

const completion = (token: number, output?: unknown) =>
  JSON.stringify({
    fencing_token: token,
    outcome: 'succeeded',
    result: { ...EMPTY_STAGE_RESULT, exitCode: 0 },
    ...(output === undefined ? {} : { output }),
  });

describe('runner protocol: stored output', () => {
  it('stores the output a runner reports and serves it as JSON or as one stream of text', async () => {
    const { id, token } = await claimOne();
    expect((await t.call(`/api/tasks/${id}/output`)).status).toBe(404);
    // Far above the admin API's body limit: runner reports have their own.
    const stdout = `${'x'.repeat(200_000)}\n… 5 bytes omitted …\nend ✓\n`;
    const output = {
      stdout,
      stderr: 'careful\n',
      stdoutBytes: 200_020,
      stderrBytes: 8,
      truncated: true,
    };
    expect(stdout.length).toBeGreaterThan(BODY_LIMIT_BYTES * 10);
    const done = await runnerPost(`/tasks/${id}/complete`, completion(token, output));
    expect(done.status).toBe(200);

    const json = await t.call(`/api/tasks/${id}/output`);
    expect(json.status).toBe(200);
    expect((await json.json()) as OutputJson).toEqual({
      task_id: id,
      attempt: 1,
      stdout,
      stderr: 'careful\n',
      stdout_bytes: 200_020,
      stderr_bytes: 8,
      truncated: true,
    });
    const text = await t.call(`/api/tasks/${id}/output?stream=stderr&attempt=1`);
    expect(text.status).toBe(200);
    expect(text.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(text.headers.get('x-output-bytes')).toBe('8');
    expect(text.headers.get('x-output-truncated')).toBe('true');
    expect(await text.text()).toBe('careful\n');
    expect((await t.call(`/api/tasks/${id}/output?attempt=2`)).status).toBe(404);
  });

  it('keeps no output for a task that printed nothing, and says so', async () => {
    const { id, token } = await claimOne();
    expect((await runnerPost(`/tasks/${id}/complete`, completion(token))).status).toBe(200);
    const res = await t.call(`/api/tasks/${id}/output`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { message: string }).message).toMatch(
      /No stored output for task .*, attempt 1/,
    );
  });

  it('refuses bad output and bad queries with a clear 400, and stores nothing', async () => {
    const { id, token } = await claimOne();
    const tooLong = { stdout: 'x'.repeat(STORED_OUTPUT_BYTES + 101), stderr: '' };
    for (const output of [
      { ...tooLong, stdoutBytes: 1, stderrBytes: 0, truncated: true },
      { stdout: 'a', stderr: '', stdoutBytes: -1, stderrBytes: 0, truncated: false },
      { stdout: 'a', stderr: '', stdoutBytes: 1, stderrBytes: 0, truncated: false, extra: 1 },
    ]) {
      const res = await runnerPost(`/tasks/${id}/complete`, completion(token, output));
      expect(res.status).toBe(400);
    }
    expect((await t.stores.tasks.get(id))?.status).toBe('running');
    for (const query of ['attempt=0', 'attempt=x', 'stream=both', 'other=1']) {
      expect((await t.call(`/api/tasks/${id}/output?${query}`)).status).toBe(400);
    }
    expect((await t.call('/api/tasks/no-such-task/output')).status).toBe(404);
  });

  it('checks the runner token before reading a large body, and a stale report stores nothing', async () => {
    const big = completion(1, {
      stdout: 'y'.repeat(100_000),
      stderr: '',
      stdoutBytes: 100_000,
      stderrBytes: 0,
      truncated: false,
    });
    const anonymous = await t.raw('/runner/v1/tasks/x/complete', {
      method: 'POST',
      headers: {
        authorization: 'Bearer not-a-runner-token-at-all',
        'content-type': 'application/json',
      },
      body: big,
    });
    expect(anonymous.status).toBe(401);
    // The admin API keeps its own, smaller limit.
    const admin = await t.call('/api/tasks', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: big,
    });
    expect(admin.status).toBe(413);

    const { id, token } = await claimOne();
    const stale = await runnerPost(
      `/tasks/${id}/complete`,
      completion(token + 1, {
        stdout: 'late',
        stderr: '',
        stdoutBytes: 4,
        stderrBytes: 0,
        truncated: false,
      }),
    );
    expect(stale.status).toBe(409);
    expect(await t.stores.stages.output(id, 1)).toBeNull();
  });
});

describe('runner protocol: agent tokens for permission prompts', () => {
  // Agent tokens name the task by its UUID: this app's ids are UUID-shaped.
  let n = 0;
  beforeEach(async () => {
    t.dispose();
    t = await createTestApp({
      ids: { next: () => `01900000-0000-7000-8000-${String(++n).padStart(12, '0')}` },
    });
    await createRunnerRegistry(t.db.db).register(
      { id: 'runner-1', name: 'vm-runner', createdAt: T0, lastSeenAt: T0 },
      await hashToken(RUNNER_TOKEN),
    );
  });
  const mcp = (token: string, method: string, params: unknown = {}) =>
    t.raw('/mcp', {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        host: '127.0.0.1',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    });
  const toolNames = async (res: Response) => {
    const text = await res.text();
    const data = /^data: (.*)$/m.exec(text)?.[1] ?? text;
    return (JSON.parse(data) as { result: { tools: { name: string }[] } }).result.tools.map(
      (x) => x.name,
    );
  };

  it('sends an agent claim a token that opens only approve_tool_use, for that claim only', async () => {
    const created = await t.send('POST', '/api/tasks', {
      kind: 'agent',
      executor: 'codex',
      host: 'local',
      prompt: 'tidy up',
    });
    expect(created.status).toBe(201);
    const res = await runnerPost('/claim', JSON.stringify({ wait_s: 0 }));
    const body = (await res.json()) as ClaimJson & { agent_token: string | null };
    expect(body.agent_token).toMatch(/^sba\./);
    const listed = await mcp(body.agent_token ?? '', 'tools/list');
    expect(listed.status).toBe(200);
    expect(await toolNames(listed)).toEqual(['approve_tool_use']);

    // Once the claim is reported, the task no longer runs under it: the token is refused.
    const done = await runnerPost(
      `/tasks/${body.claim.task.id}/complete`,
      completion(body.claim.lease.fencingToken),
    );
    expect(done.status).toBe(200);
    expect((await mcp(body.agent_token ?? '', 'tools/list')).status).toBe(401);
  });

  it('sends no agent token with a shell claim', async () => {
    await t.send('POST', '/api/tasks', { kind: 'shell', host: 'local', argv: ['ls'] });
    const res = await runnerPost('/claim', JSON.stringify({ wait_s: 0 }));
    expect(((await res.json()) as { agent_token: unknown }).agent_token).toBeNull();
  });
});

describe('runner protocol: streamed spend', () => {
  it('answers a progress report past the per-task halt limit with halt, and one below it with 202', async () => {
    const { id, token } = await claimOne();
    const events = (cost: number) =>
      runnerPost(
        `/tasks/${id}/events`,
        JSON.stringify({ fencing_token: token, output_tail: 'x', elapsed_ms: 10, cost_usd: cost }),
      );
    const below = await events(4.99);
    expect(below.status).toBe(202);
    const over = await events(5);
    expect(over.status).toBe(200);
    expect(await over.json()).toEqual({ halt: true });
    expect(await t.stores.breakers.get(`task:${id}`)).toMatchObject({
      spentUsd: 5,
      state: 'open',
    });
    const negative = await events(-1);
    expect(negative.status).toBe(400);
  });
});

describe('runner protocol: survivor kills', () => {
  it('audits a kill of an earlier run’s leftovers under the runner, and refuses a malformed one', async () => {
    const { id } = await claimOne();
    const report = { host: 'vm', task_id: id, pgid: 4242, reason: 'connection_lost', found: 3 };
    expect((await runnerPost('/survivors', JSON.stringify({ ...report, gone: true }))).status).toBe(
      204,
    );
    const bad = { ...report, reason: 'because', gone: true };
    expect((await runnerPost('/survivors', JSON.stringify(bad))).status).toBe(400);
    const task = (await (await t.call(`/api/tasks/${id}`)).json()) as {
      audit: { actor: string; channel: string; action: string; detail: unknown }[];
    };
    expect(task.audit.filter((a) => a.action === 'task.survivors_killed')).toEqual([
      expect.objectContaining({
        actor: 'runner-1',
        channel: 'runner',
        detail: { host: 'vm', pgid: 4242, reason: 'connection_lost', found: 3, gone: true },
      }),
    ]);
  });
});
