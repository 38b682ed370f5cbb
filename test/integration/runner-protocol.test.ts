import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EMPTY_STAGE_RESULT, STORED_OUTPUT_BYTES } from '../../src/core/stage.js';
import { continueTask } from '../../src/core/use-cases/continue-task.js';
import { createCodexProfile } from '../../src/runner/executors/codex.js';
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
    { id: 'runner-1', name: 'vm-runner', hosts: ['build-vm'], createdAt: T0, lastSeenAt: T0 },
    await hashToken(RUNNER_TOKEN),
  );
});
afterEach(() => t.dispose());

const runnerPost = (path: string, body: string, token = RUNNER_TOKEN) =>
  t.raw(`/runner/v1${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body,
  });

/** Queues `ls` and claims it as runner-1. */
async function claimOne() {
  const created = await t.send('POST', '/api/tasks', {
    kind: 'shell',
    host: 'build-vm',
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
      { id: 'runner-1', name: 'vm-runner', hosts: ['build-vm'], createdAt: T0, lastSeenAt: T0 },
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
      host: 'build-vm',
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
    await t.send('POST', '/api/tasks', { kind: 'shell', host: 'build-vm', argv: ['ls'] });
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

describe('runner protocol: a token serves the hosts it names, and only its own claims', () => {
  const OTHER_TOKEN = 'runner-token-of-another-runner-456789';
  const queue = async (host: string) => {
    const created = await t.send('POST', '/api/tasks', { kind: 'shell', host, argv: ['ls'] });
    expect(created.status).toBe(201);
    return ((await created.json()) as { id: string }).id;
  };
  const claimAs = (token: string, body: object = { wait_s: 0 }) =>
    runnerPost('/claim', JSON.stringify(body), token);
  const refusals = async (subject: string) =>
    (await t.stores.audit.listBySubject(subject, 50)).filter((e) => e.action === 'access.denied');

  it('gives a runner work only on its token hosts and never on local, and refuses asking for more', async () => {
    const onLocal = await queue('local');
    const onVm = await queue('build-vm');
    const first = await claimAs(RUNNER_TOKEN);
    expect(first.status).toBe(200);
    expect(((await first.json()) as ClaimJson).claim.task.id).toBe(onVm);
    // The older task on `local` is left for the gateway's embedded runner.
    expect((await claimAs(RUNNER_TOKEN)).status).toBe(204);
    expect((await t.stores.tasks.get(onLocal))?.status).toBe('queued');

    const asked = await claimAs(RUNNER_TOKEN, { hosts: ['build-vm', 'local'], wait_s: 0 });
    expect(asked.status).toBe(403);
    expect(await asked.json()).toMatchObject({ error: 'host_not_served', hosts: ['local'] });
    expect((await t.stores.tasks.get(onLocal))?.status).toBe('queued');
    const listed = (await (await t.call('/api/runners')).json()) as { runners: unknown[] };
    expect(listed.runners).toMatchObject([{ id: 'runner-1', hosts: ['build-vm'] }]);
    expect(await refusals('runner:runner-1')).toMatchObject([
      { actor: 'runner-1', detail: { action: 'task.claim', hosts: ['local'] } },
    ]);
  });

  it('gives a token that names no hosts nothing, even one whose row says local', async () => {
    await queue('local');
    await queue('build-vm');
    // A token made before --hosts was required: its row has no hosts at all.
    await t.db.client.execute({
      sql: `insert into runners (id, name, hosts, last_seen_at, created_at, token_hash)
        values ('runner-old', 'old', null, ?, ?, ?)`,
      args: [T0, T0, await hashToken(OTHER_TOKEN)],
    });
    const old = await claimAs(OTHER_TOKEN);
    expect(old.status).toBe(403);
    expect(await old.json()).toMatchObject({ error: 'host_not_served', hosts: [] });

    const LOCAL_TOKEN = 'runner-token-claiming-local-0123456';
    await createRunnerRegistry(t.db.db).register(
      { id: 'runner-local', name: 'sly', hosts: ['local'], createdAt: T0, lastSeenAt: T0 },
      await hashToken(LOCAL_TOKEN),
    );
    expect((await claimAs(LOCAL_TOKEN)).status).toBe(403);
    expect((await t.stores.tasks.list({ limit: 10, status: ['running'] })).items).toEqual([]);
  });

  it('refuses a heartbeat, progress or completion from a runner that did not make the claim', async () => {
    await createRunnerRegistry(t.db.db).register(
      { id: 'runner-2', name: 'other', hosts: ['build-vm'], createdAt: T0, lastSeenAt: T0 },
      await hashToken(OTHER_TOKEN),
    );
    const { id, token } = await claimOne();
    const forged = {
      stdout: 'forged',
      stderr: '',
      stdoutBytes: 6,
      stderrBytes: 0,
      truncated: false,
    };
    const attempts = [
      runnerPost(`/tasks/${id}/heartbeat`, JSON.stringify({ fencing_token: token }), OTHER_TOKEN),
      runnerPost(
        `/tasks/${id}/events`,
        JSON.stringify({ fencing_token: token, output_tail: 'forged', elapsed_ms: 1 }),
        OTHER_TOKEN,
      ),
      runnerPost(`/tasks/${id}/complete`, completion(token, forged), OTHER_TOKEN),
    ];
    for (const res of await Promise.all(attempts)) {
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({ error: 'not_lease_holder', task_id: id });
    }
    expect(await t.stores.tasks.get(id)).toMatchObject({
      status: 'running',
      leaseOwner: 'runner-1',
    });
    expect(await t.stores.stages.output(id, 1)).toBeNull();
    const denied = await refusals(`task:${id}`);
    expect(denied).toHaveLength(3);
    expect(denied.every((e) => e.actor === 'runner-2')).toBe(true);
    // The holder still reports as before.
    expect((await runnerPost(`/tasks/${id}/complete`, completion(token))).status).toBe(200);
  });
});

describe('runner protocol: nothing a runner reports becomes a CLI argument unchecked', () => {
  const FLAG = '--dangerously-skip-permissions';
  const OWNER = { id: 'owner', role: 'owner' as const, channel: 'api' as const };
  const agentDone = (token: number, sessionId: string | null) =>
    JSON.stringify({
      fencing_token: token,
      outcome: 'succeeded',
      result: { ...EMPTY_STAGE_RESULT, exitCode: 0, sessionId },
    });
  const claimAgent = async () => {
    const res = await runnerPost('/claim', JSON.stringify({ wait_s: 0 }));
    expect(res.status).toBe(200);
    const body = (await res.json()) as ClaimJson & {
      claim: { task: { resumeSessionId: string | null; prompt: string | null } };
    };
    return { id: body.claim.task.id, token: body.claim.lease.fencingToken, task: body.claim.task };
  };
  /** A codex task on build-vm, queued through the API and claimed by this runner. */
  const queueAndClaimAgent = async () => {
    const created = await t.send('POST', '/api/tasks', {
      kind: 'agent',
      executor: 'codex',
      host: 'build-vm',
      prompt: 'tidy up',
    });
    expect(created.status).toBe(201);
    return claimAgent();
  };
  const follow = (taskId: string) =>
    continueTask({ deps: t.core, actor: OWNER, input: { taskId, prompt: 'and now the docs' } });

  it('refuses a reported session id that is not one, so Continue can never resume it', async () => {
    const first = await queueAndClaimAgent();
    for (const bad of [FLAG, '-r', 'latest', `${'a'.repeat(8)}-not-a-uuid`]) {
      const res = await runnerPost(`/tasks/${first.id}/complete`, agentDone(first.token, bad));
      expect(res.status).toBe(400);
    }
    expect(await t.stores.tasks.get(first.id)).toMatchObject({ status: 'running' });
    expect(await t.stores.stages.listByTask(first.id)).toMatchObject([{ sessionId: null }]);
    // The runner that lied gets no session to continue: Continue says so, nothing is queued.
    expect(
      (await runnerPost(`/tasks/${first.id}/complete`, agentDone(first.token, null))).status,
    ).toBe(200);
    const refused = await follow(first.id);
    expect(refused.ok).toBe(false);
    expect(JSON.stringify(refused)).toContain('reported no session');

    // A real session id goes through and is resumed as the argument of resume, after `--`.
    const SESSION = '01a2012b-7b0c-7da3-8186-a06802500aab';
    const again = await t.send('POST', '/api/tasks', {
      kind: 'agent',
      executor: 'codex',
      host: 'build-vm',
      prompt: 'tidy up more',
    });
    const second = await claimAgent();
    expect(second.id).toBe(((await again.json()) as { id: string }).id);
    expect(
      (await runnerPost(`/tasks/${second.id}/complete`, agentDone(second.token, SESSION))).status,
    ).toBe(200);
    expect((await follow(second.id)).ok).toBe(true);
    const next = await claimAgent();
    expect(next.task.resumeSessionId).toBe(SESSION);
    const codex = createCodexProfile({ name: 'codex', model: null });
    const argv = codex.invocation({
      ...next.task,
      argv: null,
      model: null,
      sessionId: next.task.resumeSessionId,
    }).argv;
    expect(argv.slice(-4)).toEqual(['resume', '--', SESSION, '-']);
  });

  it('will not continue from a session id stored before the check, nor run one if it got through', async () => {
    const first = await queueAndClaimAgent();
    expect(
      (await runnerPost(`/tasks/${first.id}/complete`, agentDone(first.token, null))).status,
    ).toBe(200);
    // What an older gateway stored from a lying runner.
    await t.db.client.execute({
      sql: 'update stages set session_id = ? where task_id = ?',
      args: [FLAG, first.id],
    });
    const refused = await follow(first.id);
    expect(refused.ok).toBe(false);
    expect(JSON.stringify(refused)).toContain('not a valid session id');
    expect((await t.stores.tasks.list({ limit: 10, status: ['queued'] })).items).toEqual([]);
    // Had it been queued, the executor refuses to build the argv rather than pass it on.
    const codex = createCodexProfile({ name: 'codex', model: null });
    expect(() =>
      codex.invocation({ prompt: 'x', argv: null, model: null, sessionId: FLAG }),
    ).toThrow(/not a valid session id/);
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
