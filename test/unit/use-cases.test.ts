import { describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR, type Actor } from '../../src/core/actor.js';
import { DEFAULT_APPROVAL_POLICY } from '../../src/core/approval-policy.js';
import { taskSubject } from '../../src/core/audit.js';
import { DEFAULT_BREAKER_LIMITS } from '../../src/core/breaker.js';
import { DEFAULT_LADDER } from '../../src/core/escalation.js';
import type { CoreDeps } from '../../src/core/deps.js';
import type { DomainError } from '../../src/core/errors.js';
import { createFixedClock, type FixedClock } from '../../src/core/fakes/fixed-clock.js';
import { createMemoryStores } from '../../src/core/fakes/memory-stores.js';
import {
  createRecordingNotifier,
  type RecordingNotifier,
} from '../../src/core/fakes/recording-notifier.js';
import { createSequentialIds } from '../../src/core/fakes/sequential-ids.js';
import type { Result } from '../../src/core/result.js';
import { EMPTY_STAGE_RESULT, type StageResult } from '../../src/core/stage.js';
import type { Catalog, TaskDraft } from '../../src/core/task-draft.js';
import { approveTask } from '../../src/core/use-cases/approve-task.js';
import { cancelTask } from '../../src/core/use-cases/cancel-task.js';
import { claimNextTask } from '../../src/core/use-cases/claim-next-task.js';
import { completeTask } from '../../src/core/use-cases/complete-task.js';
import { expireStaleApprovals } from '../../src/core/use-cases/expire-stale-approvals.js';
import { getSystemStatus } from '../../src/core/use-cases/get-system-status.js';
import { getTask } from '../../src/core/use-cases/get-task.js';
import { heartbeatTask } from '../../src/core/use-cases/heartbeat-task.js';
import { reportProgress } from '../../src/core/use-cases/report-progress.js';
import { listTasks } from '../../src/core/use-cases/list-tasks.js';
import { reapExpiredLeases } from '../../src/core/use-cases/reap-expired-leases.js';
import { rejectTask } from '../../src/core/use-cases/reject-task.js';
import { submitTask } from '../../src/core/use-cases/submit-task.js';
import { testTemplate } from '../helpers/templates.js';
import { TEST_VOCABULARY } from '../helpers/vocabulary.js';

const T0 = '2026-01-01T00:00:00.000Z';
/** The instant `seconds` after T0, as the stores write it. */
const at = (seconds: number): string => new Date(Date.parse(T0) + seconds * 1000).toISOString();

const OWNER: Actor = { id: 'u-owner', role: 'owner', channel: 'telegram' };
const APPROVER: Actor = { id: 'u-approver', role: 'approver', channel: 'pwa' };
const VIEWER: Actor = { id: 'u-viewer', role: 'viewer', channel: 'pwa' };
const RUNNER: Actor = { id: 'runner-1', role: 'runner', channel: 'runner' };
const RUNNER_2: Actor = { id: 'runner-2', role: 'runner', channel: 'runner' };

const DEPLOY = testTemplate({
  name: 'deploy',
  riskByEnvironment: { dev: 'low', staging: 'medium', production: 'high' },
});
/** A read-only, idempotent template, for the reaper's requeue path. */
const HUGO_BUILD = testTemplate({
  name: 'hugo-build',
  riskByEnvironment: { dev: 'low' },
  idempotent: true,
  timeoutS: 120,
});

const CATALOG: Catalog = {
  hosts: ['local', 'build-vm'],
  executors: ['codex', 'claude-sonnet'],
  repos: [{ name: 'api', host: 'build-vm' }],
  templates: [DEPLOY],
  defaultExecutor: 'codex',
  defaultTimeoutS: 180,
};

const LOW: TaskDraft = { kind: 'agent', prompt: 'fix the flaky login test', repo: 'api' };
const STAGING: TaskDraft = {
  kind: 'template',
  template: 'deploy',
  environment: 'staging',
  params: {},
};
const PRODUCTION: TaskDraft = {
  kind: 'template',
  template: 'deploy',
  environment: 'production',
  params: {},
};
const IDEMPOTENT: TaskDraft = {
  kind: 'template',
  template: 'hugo-build',
  environment: 'dev',
  params: {},
};

const RESULT: StageResult = {
  ...EMPTY_STAGE_RESULT,
  exitCode: 0,
  latencyMs: 4200,
  tokensIn: 1200,
  tokensOut: 300,
  costUsd: 0.42,
  stdoutTail: 'all tests passed',
  summary: 'fixed the flaky test',
};

interface Ctx {
  readonly deps: CoreDeps;
  readonly clock: FixedClock;
  readonly notifier: RecordingNotifier;
}

function setup(catalog: Partial<Catalog> = {}): Ctx {
  const clock = createFixedClock(T0);
  const notifier = createRecordingNotifier();
  const deps: CoreDeps = {
    ...createMemoryStores(),
    clock,
    ids: createSequentialIds(),
    notifier,
    policy: DEFAULT_APPROVAL_POLICY,
    catalog: { ...CATALOG, ...catalog },
    vocabulary: TEST_VOCABULARY,
    breakerLimits: DEFAULT_BREAKER_LIMITS,
    ladder: DEFAULT_LADDER,
    leaseS: 30,
    maxAttempts: 3,
  };
  return { deps, clock, notifier };
}

const withIdempotentTemplate = (): Ctx => setup({ templates: [DEPLOY, HUGO_BUILD] });

function unwrap<T>(result: Result<T, DomainError>): T {
  if (!result.ok) throw new Error(`expected ok, got ${JSON.stringify(result.error)}`);
  return result.value;
}

function failure<T>(result: Result<T, DomainError>): DomainError {
  if (result.ok) throw new Error(`expected an error, got ${JSON.stringify(result.value)}`);
  return result.error;
}

async function submit({ deps }: Ctx, draft: TaskDraft, actor: Actor = OWNER) {
  return unwrap(await submitTask({ deps, actor, input: { draft } }));
}

async function claim({ deps }: Ctx, actor: Actor = RUNNER) {
  const claimed = unwrap(
    await claimNextTask({
      deps,
      actor,
      input: { runnerId: actor.id, serves: ['local', 'build-vm'] },
    }),
  );
  if (!claimed) throw new Error('expected a task to claim');
  return claimed;
}

const approve = ({ deps }: Ctx, taskId: string, actor: Actor = OWNER, phrase?: string) =>
  approveTask({ deps, actor, input: { taskId, phrase, via: 'button' } });

const complete = ({ deps }: Ctx, taskId: string, fencingToken: number, actor = RUNNER) =>
  completeTask({
    deps,
    actor,
    input: { taskId, fencingToken, outcome: 'succeeded', result: RESULT },
  });

const heartbeat = ({ deps }: Ctx, taskId: string, fencingToken: number) =>
  heartbeatTask({ deps, actor: RUNNER, input: { taskId, fencingToken } });

const reap = ({ deps }: Ctx, actor: Actor = SYSTEM_ACTOR) =>
  reapExpiredLeases({ deps, actor, input: {} });

const taskOf = async ({ deps }: Ctx, id: string) => {
  const task = await deps.tasks.get(id);
  if (!task) throw new Error(`task ${id} is not in the store`);
  return task;
};
const approvalsOf = ({ deps }: Ctx, id: string) => deps.approvals.listByTask(id);
const stagesOf = ({ deps }: Ctx, id: string) => deps.stages.listByTask(id);
const auditOf = ({ deps }: Ctx, id: string) => deps.audit.listBySubject(taskSubject(id), 500);
const actionsOf = async (ctx: Ctx, id: string) => (await auditOf(ctx, id)).map((e) => e.action);

/** Everything the stores hold about a task, to prove that a refused call changed nothing. */
async function snapshot(ctx: Ctx, id: string) {
  return {
    task: await taskOf(ctx, id),
    approvals: await approvalsOf(ctx, id),
    stages: await stagesOf(ctx, id),
    audit: await auditOf(ctx, id),
  };
}

describe('submitTask', () => {
  it('queues low-risk work at once, with no approval and a task.submitted audit', async () => {
    const ctx = setup();
    const { task, approval } = await submit(ctx, LOW);
    expect(approval).toBeNull();
    expect(await taskOf(ctx, task.id)).toEqual(task);
    expect(task).toMatchObject({
      kind: 'agent',
      status: 'queued',
      risk: 'low',
      gate: 'none',
      executor: 'codex',
      host: 'build-vm',
      repo: 'api',
      prompt: 'fix the flaky login test',
      timeoutS: 180,
      requester: 'u-owner',
      channel: 'telegram',
      attempts: 0,
      fencingToken: 0,
      createdAt: T0,
      finishedAt: null,
    });
    expect(await approvalsOf(ctx, task.id)).toEqual([]);
    const audit = await auditOf(ctx, task.id);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      action: 'task.submitted',
      actor: 'u-owner',
      channel: 'telegram',
      at: T0,
      detail: { kind: 'agent', risk: 'low', gate: 'none' },
    });
  });

  it('puts a staging deploy behind one tap that expires after 600 s', async () => {
    const ctx = setup();
    const { task, approval } = await submit(ctx, STAGING);
    expect(await taskOf(ctx, task.id)).toMatchObject({
      status: 'awaiting_approval',
      risk: 'medium',
      gate: 'tap',
      template: 'deploy',
      environment: 'staging',
    });
    const stored = await approvalsOf(ctx, task.id);
    expect(stored).toEqual([approval]);
    expect(stored[0]).toMatchObject({
      taskId: task.id,
      gate: 'tap',
      requiredPhrase: null,
      status: 'pending',
      scope: 'once',
      requestedAt: T0,
      expiresAt: at(600),
      decidedBy: null,
    });
    expect(await actionsOf(ctx, task.id)).toEqual(['task.submitted', 'task.approval_requested']);
  });

  it('asks the typed phrase for a production deploy', async () => {
    const ctx = setup();
    const { task } = await submit(ctx, PRODUCTION);
    expect(await taskOf(ctx, task.id)).toMatchObject({
      status: 'awaiting_approval',
      risk: 'high',
      gate: 'typed_phrase',
    });
    expect(await approvalsOf(ctx, task.id)).toMatchObject([
      { gate: 'typed_phrase', requiredPhrase: 'DEPLOY TO PRODUCTION', status: 'pending' },
    ]);
  });

  it('queues an allow-listed shell command and gates any other one', async () => {
    const ctx = setup();
    const ls = await submit(ctx, { kind: 'shell', host: 'build-vm', argv: ['git', 'status'] });
    const rm = await submit(ctx, { kind: 'shell', host: 'build-vm', argv: ['rm', '-rf', 'x'] });
    expect((await taskOf(ctx, ls.task.id)).status).toBe('queued');
    expect(await taskOf(ctx, rm.task.id)).toMatchObject({
      status: 'awaiting_approval',
      gate: 'tap',
      executor: null,
    });
  });

  it('lets the requester raise the gate', async () => {
    const ctx = setup();
    const { task } = await submit(ctx, { ...LOW, risk: 'high' });
    expect(await taskOf(ctx, task.id)).toMatchObject({
      status: 'awaiting_approval',
      gate: 'typed_phrase',
    });
  });

  it('refuses a viewer, stores nothing and audits the refusal', async () => {
    const ctx = setup();
    const result = await submitTask({ deps: ctx.deps, actor: VIEWER, input: { draft: LOW } });
    expect(failure(result)).toEqual({ code: 'forbidden', action: 'task.submit', role: 'viewer' });
    expect((await ctx.deps.tasks.list({ limit: 100 })).items).toEqual([]);
    const denied = await ctx.deps.audit.listBySubject('task:new', 10);
    expect(denied).toHaveLength(1);
    expect(denied[0]).toMatchObject({
      action: 'access.denied',
      actor: 'u-viewer',
      channel: 'pwa',
      detail: { action: 'task.submit', role: 'viewer' },
    });
    expect(ctx.notifier.events).toEqual([]);
  });

  it('refuses a runner too', async () => {
    const ctx = setup();
    const result = await submitTask({ deps: ctx.deps, actor: RUNNER, input: { draft: LOW } });
    expect(failure(result)).toMatchObject({ code: 'forbidden', role: 'runner' });
  });

  it('lets an approver submit', async () => {
    const ctx = setup();
    const { task } = await submit(ctx, LOW, APPROVER);
    expect(await taskOf(ctx, task.id)).toMatchObject({ requester: 'u-approver', channel: 'pwa' });
  });

  it('refuses an unknown host with an issue naming the field, and stores nothing', async () => {
    const ctx = setup();
    const draft: TaskDraft = { kind: 'shell', host: 'prod-db', argv: ['ls'] };
    const error = failure(await submitTask({ deps: ctx.deps, actor: OWNER, input: { draft } }));
    expect(error).toMatchObject({ code: 'invalid_input' });
    expect(error.code === 'invalid_input' ? error.issues.map((i) => i.path) : []).toEqual(['host']);
    expect((await ctx.deps.tasks.list({ limit: 100 })).items).toEqual([]);
    expect(ctx.notifier.events).toEqual([]);
  });

  it('tells the notifier about a new task, and about its approval request', async () => {
    const ctx = setup();
    const low = await submit(ctx, LOW);
    expect(ctx.notifier.events).toEqual([{ type: 'task.changed', task: low.task, from: null }]);
    const gated = await submit(ctx, STAGING);
    expect(ctx.notifier.events.slice(1)).toEqual([
      { type: 'task.changed', task: gated.task, from: null },
      { type: 'approval.requested', task: gated.task, approval: gated.approval },
    ]);
  });

  it('keeps the task when the notifier fails', async () => {
    const ctx = setup();
    const deps: CoreDeps = {
      ...ctx.deps,
      notifier: {
        notify: () => Promise.reject(new Error('telegram is down')),
      },
    };
    const { task } = unwrap(await submitTask({ deps, actor: OWNER, input: { draft: STAGING } }));
    expect((await taskOf(ctx, task.id)).status).toBe('awaiting_approval');
  });
});

describe('approveTask', () => {
  it('queues a task with one tap and records who decided, when and where', async () => {
    const ctx = setup();
    const { task } = await submit(ctx, STAGING);
    ctx.clock.advance(60_000);
    const approved = unwrap(await approve(ctx, task.id, APPROVER));
    expect(await taskOf(ctx, task.id)).toEqual(approved);
    expect(approved).toMatchObject({ status: 'queued', updatedAt: at(60), finishedAt: null });
    expect(await approvalsOf(ctx, task.id)).toMatchObject([
      {
        status: 'approved',
        decidedBy: 'u-approver',
        decidedChannel: 'pwa',
        decidedAt: at(60),
      },
    ]);
    expect(await actionsOf(ctx, task.id)).toEqual([
      'task.submitted',
      'task.approval_requested',
      'task.approved',
    ]);
    expect(ctx.notifier.events.at(-1)).toEqual({
      type: 'task.changed',
      task: approved,
      from: 'awaiting_approval',
    });
  });

  it('answers a double tap with already_decided and changes nothing', async () => {
    const ctx = setup();
    const { task } = await submit(ctx, STAGING);
    unwrap(await approve(ctx, task.id, OWNER));
    const before = await snapshot(ctx, task.id);
    const events = ctx.notifier.events.length;
    ctx.clock.advance(1_000);

    for (const actor of [OWNER, APPROVER]) {
      expect(failure(await approve(ctx, task.id, actor))).toEqual({
        code: 'already_decided',
        taskId: task.id,
        status: 'approved',
        decidedBy: 'u-owner',
      });
    }
    expect(await snapshot(ctx, task.id)).toEqual(before);
    expect(ctx.notifier.events).toHaveLength(events);
  });

  it('still accepts a tap just before expiry', async () => {
    const ctx = setup();
    const { task } = await submit(ctx, STAGING);
    ctx.clock.advance(599_999);
    expect(unwrap(await approve(ctx, task.id)).status).toBe('queued');
  });

  it('refuses a stale tap after expiry and expires the task', async () => {
    const ctx = setup();
    const { task } = await submit(ctx, STAGING);
    ctx.clock.advance(600_000);
    expect(failure(await approve(ctx, task.id))).toEqual({
      code: 'approval_expired',
      taskId: task.id,
      expiredAt: at(600),
    });
    expect(await taskOf(ctx, task.id)).toMatchObject({ status: 'expired', finishedAt: at(600) });
    expect(await approvalsOf(ctx, task.id)).toMatchObject([
      { status: 'expired', decidedBy: 'system', decidedChannel: 'system', reason: 'timed out' },
    ]);
    expect((await actionsOf(ctx, task.id)).at(-1)).toBe('task.approval_expired');
    expect(ctx.notifier.events.at(-1)).toMatchObject({
      type: 'task.changed',
      from: 'awaiting_approval',
      task: { id: task.id, status: 'expired' },
    });

    const before = await snapshot(ctx, task.id);
    expect(failure(await approve(ctx, task.id))).toMatchObject({
      code: 'already_decided',
      status: 'expired',
    });
    expect(await snapshot(ctx, task.id)).toEqual(before);
  });

  it('never lets an MCP client open the gate of its own request; another approver may', async () => {
    const ctx = setup();
    const mcp: Actor = { id: 'mcp:planner', role: 'owner', channel: 'mcp' };
    const { task } = await submit(ctx, STAGING, mcp);
    const before = await snapshot(ctx, task.id);
    expect(failure(await approve(ctx, task.id, mcp))).toEqual({
      code: 'self_approval',
      taskId: task.id,
    });
    // Nothing changed but the audit trail, which now records who tried, from where and why.
    const after = await snapshot(ctx, task.id);
    expect({ ...after, audit: after.audit.slice(0, -1) }).toEqual(before);
    expect(after.audit.at(-1)).toMatchObject({
      actor: mcp.id,
      channel: 'mcp',
      action: 'task.approval_refused',
      detail: { reason: 'self_approval', gate: 'tap' },
    });
    // The same person approving their own chat request is the policy's one tap.
    const own = await submit(ctx, STAGING, APPROVER);
    expect(unwrap(await approve(ctx, own.task.id, APPROVER)).status).toBe('queued');
    expect(unwrap(await approve(ctx, task.id, APPROVER)).status).toBe('queued');
  });

  it('refuses a wrong typed phrase and leaves the gate pending', async () => {
    const ctx = setup();
    const { task } = await submit(ctx, PRODUCTION);
    const before = await snapshot(ctx, task.id);
    for (const phrase of [undefined, '', 'yes', 'deploy to production', 'DEPLOY TO PROD']) {
      expect(failure(await approve(ctx, task.id, OWNER, phrase))).toEqual({
        code: 'phrase_required',
        taskId: task.id,
        phrase: 'DEPLOY TO PRODUCTION',
      });
    }
    expect(await snapshot(ctx, task.id)).toEqual(before);
  });

  it('queues a production deploy on the exact typed phrase', async () => {
    const ctx = setup();
    const { task } = await submit(ctx, PRODUCTION);
    const approved = unwrap(await approve(ctx, task.id, APPROVER, 'DEPLOY TO PRODUCTION'));
    expect(approved.status).toBe('queued');
    expect((await taskOf(ctx, task.id)).status).toBe('queued');
    expect(await approvalsOf(ctx, task.id)).toMatchObject([
      { status: 'approved', decidedBy: 'u-approver' },
    ]);
  });

  it('refuses a viewer and a runner, audits it, and leaves the task waiting', async () => {
    const ctx = setup();
    const { task } = await submit(ctx, STAGING);
    expect(failure(await approve(ctx, task.id, VIEWER))).toEqual({
      code: 'forbidden',
      action: 'task.approve',
      role: 'viewer',
    });
    expect(failure(await approve(ctx, task.id, RUNNER))).toMatchObject({
      code: 'forbidden',
      role: 'runner',
    });
    expect((await taskOf(ctx, task.id)).status).toBe('awaiting_approval');
    expect((await approvalsOf(ctx, task.id))[0]?.status).toBe('pending');
    const denied = (await auditOf(ctx, task.id)).filter((e) => e.action === 'access.denied');
    expect(denied.map((e) => e.actor)).toEqual(['u-viewer', 'runner-1']);
  });

  it('answers not_found for an unknown task', async () => {
    const ctx = setup();
    expect(failure(await approve(ctx, 'no-such-task'))).toEqual({
      code: 'not_found',
      entity: 'task',
      id: 'no-such-task',
    });
  });

  it('cannot approve a task that was cancelled while waiting', async () => {
    const ctx = setup();
    const { task } = await submit(ctx, STAGING);
    unwrap(await cancelTask({ deps: ctx.deps, actor: OWNER, input: { taskId: task.id } }));
    expect(failure(await approve(ctx, task.id, APPROVER))).toMatchObject({
      code: 'already_decided',
      status: 'cancelled',
      decidedBy: 'u-owner',
    });
    expect((await taskOf(ctx, task.id)).status).toBe('cancelled');
  });
});

describe('rejectTask', () => {
  it('rejects with a reason, then refuses a late approval', async () => {
    const ctx = setup();
    const { task } = await submit(ctx, STAGING);
    ctx.clock.advance(5_000);
    const rejected = unwrap(
      await rejectTask({
        deps: ctx.deps,
        actor: APPROVER,
        input: { taskId: task.id, reason: '  not on a Friday ' },
      }),
    );
    expect(await taskOf(ctx, task.id)).toEqual(rejected);
    expect(rejected).toMatchObject({ status: 'rejected', finishedAt: at(5) });
    expect(await approvalsOf(ctx, task.id)).toMatchObject([
      {
        status: 'rejected',
        decidedBy: 'u-approver',
        decidedChannel: 'pwa',
        decidedAt: at(5),
        reason: 'not on a Friday',
      },
    ]);
    const last = (await auditOf(ctx, task.id)).at(-1);
    expect(last).toMatchObject({ action: 'task.rejected', detail: { reason: 'not on a Friday' } });

    const before = await snapshot(ctx, task.id);
    expect(failure(await approve(ctx, task.id, OWNER))).toEqual({
      code: 'already_decided',
      taskId: task.id,
      status: 'rejected',
      decidedBy: 'u-approver',
    });
    expect(await snapshot(ctx, task.id)).toEqual(before);
  });

  it('stores no reason when none is given', async () => {
    const ctx = setup();
    const { task } = await submit(ctx, STAGING);
    unwrap(await rejectTask({ deps: ctx.deps, actor: OWNER, input: { taskId: task.id } }));
    expect((await approvalsOf(ctx, task.id))[0]?.reason).toBeNull();
  });

  it('refuses a viewer and an expired request', async () => {
    const ctx = setup();
    const { task } = await submit(ctx, STAGING);
    const asViewer = await rejectTask({
      deps: ctx.deps,
      actor: VIEWER,
      input: { taskId: task.id },
    });
    expect(failure(asViewer)).toMatchObject({ code: 'forbidden', action: 'task.reject' });
    ctx.clock.advance(600_000);
    const late = await rejectTask({ deps: ctx.deps, actor: OWNER, input: { taskId: task.id } });
    expect(failure(late)).toMatchObject({ code: 'approval_expired', taskId: task.id });
    expect((await taskOf(ctx, task.id)).status).toBe('expired');
  });
});

describe('cancelTask', () => {
  const cancel = (ctx: Ctx, taskId: string, actor: Actor = OWNER, reason?: string) =>
    cancelTask({ deps: ctx.deps, actor, input: { taskId, reason } });

  it('cancels a queued task', async () => {
    const ctx = setup();
    const { task } = await submit(ctx, LOW);
    ctx.clock.advance(2_000);
    const cancelled = unwrap(await cancel(ctx, task.id, OWNER, 'wrong repo'));
    expect(await taskOf(ctx, task.id)).toEqual(cancelled);
    expect(cancelled).toMatchObject({ status: 'cancelled', finishedAt: at(2) });
    expect((await auditOf(ctx, task.id)).at(-1)).toMatchObject({
      action: 'task.cancelled',
      actor: 'u-owner',
      detail: { from: 'queued', reason: 'wrong repo' },
    });
    expect(ctx.notifier.events.at(-1)).toMatchObject({ type: 'task.changed', from: 'queued' });
    expect(
      await claimNextTask({
        deps: ctx.deps,
        actor: RUNNER,
        input: { runnerId: RUNNER.id, serves: ['local', 'build-vm'] },
      }),
    ).toEqual({ ok: true, value: null });
  });

  it('cancels a task waiting for approval and closes its gate', async () => {
    const ctx = setup();
    const { task } = await submit(ctx, STAGING);
    unwrap(await cancel(ctx, task.id, APPROVER));
    expect((await taskOf(ctx, task.id)).status).toBe('cancelled');
    expect(await approvalsOf(ctx, task.id)).toMatchObject([
      { status: 'cancelled', decidedBy: 'u-approver' },
    ]);
  });

  it('cancels a running task, closing its open stage and dropping the lease', async () => {
    const ctx = setup();
    const { task } = await submit(ctx, LOW);
    const claimed = await claim(ctx);
    ctx.clock.advance(10_000);
    unwrap(await cancel(ctx, task.id));
    expect(await taskOf(ctx, task.id)).toMatchObject({
      status: 'cancelled',
      leaseOwner: null,
      leaseExpiresAt: null,
      finishedAt: at(10),
    });
    expect(await stagesOf(ctx, task.id)).toMatchObject([
      { id: claimed.stage.id, outcome: 'cancelled', finishedAt: at(10) },
    ]);
    expect((await auditOf(ctx, task.id)).at(-1)).toMatchObject({
      action: 'task.cancelled',
      detail: { from: 'running' },
    });
  });

  it('refuses to cancel a finished task and changes nothing', async () => {
    const ctx = setup();
    const { task } = await submit(ctx, LOW);
    const claimed = await claim(ctx);
    unwrap(await complete(ctx, task.id, claimed.lease.fencingToken));
    const before = await snapshot(ctx, task.id);
    expect(failure(await cancel(ctx, task.id))).toEqual({
      code: 'invalid_transition',
      from: 'succeeded',
      to: 'cancelled',
    });
    expect(await snapshot(ctx, task.id)).toEqual(before);
  });

  it('refuses to cancel a rejected task', async () => {
    const ctx = setup();
    const { task } = await submit(ctx, STAGING);
    unwrap(await rejectTask({ deps: ctx.deps, actor: OWNER, input: { taskId: task.id } }));
    expect(failure(await cancel(ctx, task.id))).toEqual({
      code: 'invalid_transition',
      from: 'rejected',
      to: 'cancelled',
    });
  });

  it('refuses a viewer and an unknown task', async () => {
    const ctx = setup();
    const { task } = await submit(ctx, LOW);
    expect(failure(await cancel(ctx, task.id, VIEWER))).toMatchObject({
      code: 'forbidden',
      action: 'task.cancel',
    });
    expect((await taskOf(ctx, task.id)).status).toBe('queued');
    expect(failure(await cancel(ctx, 'nope'))).toEqual({
      code: 'not_found',
      entity: 'task',
      id: 'nope',
    });
  });
});

describe('claimNextTask', () => {
  it('hands the oldest queued task to a runner under a fresh 30 s lease', async () => {
    const ctx = setup();
    const first = await submit(ctx, LOW);
    const gated = await submit(ctx, STAGING);
    const second = await submit(ctx, { ...LOW, prompt: 'second' });
    ctx.clock.advance(5_000);

    const claimed = await claim(ctx);
    expect(claimed.task.id).toBe(first.task.id);
    expect(claimed.lease).toEqual({
      taskId: first.task.id,
      runnerId: 'runner-1',
      fencingToken: 1,
      expiresAt: at(35),
    });
    expect(await taskOf(ctx, first.task.id)).toMatchObject({
      status: 'running',
      attempts: 1,
      fencingToken: 1,
      leaseOwner: 'runner-1',
      leaseExpiresAt: at(35),
    });
    expect(await stagesOf(ctx, first.task.id)).toMatchObject([
      { attempt: 1, fencingToken: 1, runnerId: 'runner-1', outcome: 'running', startedAt: at(5) },
    ]);
    expect((await auditOf(ctx, first.task.id)).at(-1)).toMatchObject({
      action: 'task.claimed',
      actor: 'runner-1',
    });
    expect(ctx.notifier.events.at(-1)).toMatchObject({
      type: 'task.changed',
      from: 'queued',
      task: { id: first.task.id, status: 'running' },
    });

    expect((await claim(ctx, RUNNER_2)).task.id).toBe(second.task.id);
    const none = await claimNextTask({
      deps: ctx.deps,
      actor: RUNNER,
      input: { runnerId: RUNNER.id, serves: ['local', 'build-vm'] },
    });
    expect(none).toEqual({ ok: true, value: null });
    expect((await taskOf(ctx, gated.task.id)).status).toBe('awaiting_approval');
  });

  it('gives a runner only tasks on hosts it can reach', async () => {
    const ctx = setup();
    const remote = await submit(ctx, LOW);
    const local = await submit(ctx, { kind: 'agent', prompt: 'x', host: 'local' });
    const result = await claimNextTask({
      deps: ctx.deps,
      actor: RUNNER,
      input: { runnerId: 'runner-1', serves: ['local', 'build-vm'], hosts: ['local'] },
    });
    expect(unwrap(result)?.task.id).toBe(local.task.id);
    expect((await taskOf(ctx, remote.task.id)).status).toBe('queued');
  });

  it('refuses an owner and leaves the queue alone', async () => {
    const ctx = setup();
    const { task } = await submit(ctx, LOW);
    const result = await claimNextTask({
      deps: ctx.deps,
      actor: OWNER,
      input: { runnerId: 'x', serves: ['local', 'build-vm'] },
    });
    expect(failure(result)).toEqual({ code: 'forbidden', action: 'task.claim', role: 'owner' });
    expect((await taskOf(ctx, task.id)).status).toBe('queued');
    expect(await ctx.deps.queue.depth()).toBe(1);
  });

  it('returns null on an empty queue', async () => {
    const ctx = setup();
    expect(
      await claimNextTask({
        deps: ctx.deps,
        actor: RUNNER,
        input: { runnerId: 'runner-1', serves: ['local', 'build-vm'] },
      }),
    ).toEqual({ ok: true, value: null });
    expect(ctx.notifier.events).toEqual([]);
  });
});

describe('heartbeatTask', () => {
  it('extends a live lease by 30 s from now', async () => {
    const ctx = setup();
    const { task } = await submit(ctx, LOW);
    const { lease } = await claim(ctx);
    ctx.clock.advance(20_000);
    expect(unwrap(await heartbeat(ctx, task.id, lease.fencingToken))).toEqual({
      taskId: task.id,
      runnerId: 'runner-1',
      fencingToken: 1,
      expiresAt: at(50),
    });
    expect((await taskOf(ctx, task.id)).leaseExpiresAt).toBe(at(50));
    ctx.clock.advance(20_000);
    expect(unwrap(await reap(ctx))).toEqual({ lost: [], requeued: [] });
    expect((await taskOf(ctx, task.id)).status).toBe('running');
  });

  it('answers lease_lost once the task is cancelled', async () => {
    const ctx = setup();
    const { task } = await submit(ctx, LOW);
    const { lease } = await claim(ctx);
    unwrap(await cancelTask({ deps: ctx.deps, actor: OWNER, input: { taskId: task.id } }));
    expect(failure(await heartbeat(ctx, task.id, lease.fencingToken))).toEqual({
      code: 'lease_lost',
      taskId: task.id,
    });
  });

  it('answers lease_expired once the clock passes the lease', async () => {
    const ctx = setup();
    const { task } = await submit(ctx, LOW);
    const { lease } = await claim(ctx);
    ctx.clock.advance(31_000);
    expect(failure(await heartbeat(ctx, task.id, lease.fencingToken))).toEqual({
      code: 'lease_expired',
      taskId: task.id,
      expiredAt: at(30),
    });
    expect((await taskOf(ctx, task.id)).leaseExpiresAt).toBe(at(30));
  });

  it('answers lease_lost for a stale token and not_found for an unknown task', async () => {
    const ctx = setup();
    const { task } = await submit(ctx, LOW);
    await claim(ctx);
    expect(failure(await heartbeat(ctx, task.id, 0))).toEqual({
      code: 'lease_lost',
      taskId: task.id,
    });
    expect((await taskOf(ctx, task.id)).leaseExpiresAt).toBe(at(30));
    expect(failure(await heartbeat(ctx, 'nope', 1))).toMatchObject({ code: 'not_found' });
  });

  it('refuses an owner', async () => {
    const ctx = setup();
    const { task } = await submit(ctx, LOW);
    const { lease } = await claim(ctx);
    const result = await heartbeatTask({
      deps: ctx.deps,
      actor: OWNER,
      input: { taskId: task.id, fencingToken: lease.fencingToken },
    });
    expect(failure(result)).toMatchObject({ code: 'forbidden', action: 'task.report' });
  });
});

describe('completeTask', () => {
  it('records success with the current token, closing the stage with its cost', async () => {
    const ctx = setup();
    const { task } = await submit(ctx, LOW);
    const { lease, stage } = await claim(ctx);
    ctx.clock.advance(4_000);
    const done = unwrap(await complete(ctx, task.id, lease.fencingToken));
    expect(await taskOf(ctx, task.id)).toEqual(done);
    expect(done).toMatchObject({
      status: 'succeeded',
      costUsd: 0.42,
      tokensIn: 1200,
      tokensOut: 300,
      leaseOwner: null,
      leaseExpiresAt: null,
      finishedAt: at(4),
    });
    expect(await stagesOf(ctx, task.id)).toEqual([
      { ...stage, ...RESULT, outcome: 'succeeded', finishedAt: at(4) },
    ]);
    expect((await auditOf(ctx, task.id)).at(-1)).toMatchObject({
      action: 'task.succeeded',
      actor: 'runner-1',
      detail: { exit_code: 0, cost_usd: 0.42, latency_ms: 4200 },
    });
    expect(ctx.notifier.events.at(-1)).toMatchObject({ type: 'task.changed', from: 'running' });
  });

  it('records a failure and a timeout as such', async () => {
    const ctx = setup();
    const a = await submit(ctx, LOW);
    const b = await submit(ctx, LOW);
    const ca = await claim(ctx);
    const cb = await claim(ctx);
    const failed = { ...RESULT, exitCode: 1, errorClass: 'nonzero_exit' };
    unwrap(
      await completeTask({
        deps: ctx.deps,
        actor: RUNNER,
        input: {
          taskId: a.task.id,
          fencingToken: ca.lease.fencingToken,
          outcome: 'failed',
          result: failed,
        },
      }),
    );
    unwrap(
      await completeTask({
        deps: ctx.deps,
        actor: RUNNER,
        input: {
          taskId: b.task.id,
          fencingToken: cb.lease.fencingToken,
          outcome: 'timed_out',
          result: EMPTY_STAGE_RESULT,
        },
      }),
    );
    expect((await taskOf(ctx, a.task.id)).status).toBe('failed');
    expect(await stagesOf(ctx, a.task.id)).toMatchObject([
      { outcome: 'failed', exitCode: 1, errorClass: 'nonzero_exit' },
    ]);
    expect((await taskOf(ctx, b.task.id)).status).toBe('timed_out');
    expect(await actionsOf(ctx, b.task.id)).toContain('task.timed_out');
  });

  it('refuses a stale token after a reap and re-claim, and changes nothing', async () => {
    const ctx = withIdempotentTemplate();
    const { task } = await submit(ctx, IDEMPOTENT);
    const first = await claim(ctx, RUNNER);
    ctx.clock.advance(31_000);
    expect(unwrap(await reap(ctx)).requeued).toEqual([task.id]);
    const second = await claim(ctx, RUNNER_2);
    expect(second.lease.fencingToken).toBe(2);

    const before = await snapshot(ctx, task.id);
    const events = ctx.notifier.events.length;
    expect(failure(await complete(ctx, task.id, first.lease.fencingToken))).toEqual({
      code: 'lease_lost',
      taskId: task.id,
    });
    expect(await snapshot(ctx, task.id)).toEqual(before);
    expect(before.task).toMatchObject({ status: 'running', costUsd: 0, leaseOwner: 'runner-2' });
    expect(ctx.notifier.events).toHaveLength(events);

    unwrap(await complete(ctx, task.id, second.lease.fencingToken, RUNNER_2));
    expect(await taskOf(ctx, task.id)).toMatchObject({ status: 'succeeded', costUsd: 0.42 });
    expect((await stagesOf(ctx, task.id)).map((s) => s.outcome)).toEqual(['lost', 'succeeded']);
  });

  it('refuses a second report and a report after cancel', async () => {
    const ctx = setup();
    const a = await submit(ctx, LOW);
    const b = await submit(ctx, LOW);
    const ca = await claim(ctx);
    const cb = await claim(ctx);
    unwrap(await complete(ctx, a.task.id, ca.lease.fencingToken));
    expect(failure(await complete(ctx, a.task.id, ca.lease.fencingToken))).toMatchObject({
      code: 'lease_lost',
    });
    expect((await taskOf(ctx, a.task.id)).costUsd).toBe(0.42);

    unwrap(await cancelTask({ deps: ctx.deps, actor: OWNER, input: { taskId: b.task.id } }));
    expect(failure(await complete(ctx, b.task.id, cb.lease.fencingToken))).toMatchObject({
      code: 'lease_lost',
    });
    expect(await taskOf(ctx, b.task.id)).toMatchObject({ status: 'cancelled', costUsd: 0 });
  });

  it('refuses an owner reporting', async () => {
    const ctx = setup();
    const { task } = await submit(ctx, LOW);
    const { lease } = await claim(ctx);
    expect(failure(await complete(ctx, task.id, lease.fencingToken, OWNER))).toMatchObject({
      code: 'forbidden',
      action: 'task.report',
    });
    expect((await taskOf(ctx, task.id)).status).toBe('running');
  });

  it("refuses another runner's report even with the right token; the system may report", async () => {
    const ctx = setup();
    const { task } = await submit(ctx, LOW);
    const { lease } = await claim(ctx);
    // The current lease's token from a runner that does not hold it is a forgery: 403, audited.
    expect(failure(await complete(ctx, task.id, lease.fencingToken, RUNNER_2))).toEqual({
      code: 'not_lease_holder',
      taskId: task.id,
    });
    const beat = await heartbeatTask({
      deps: ctx.deps,
      actor: RUNNER_2,
      input: { taskId: task.id, fencingToken: lease.fencingToken },
    });
    expect(failure(beat)).toEqual({ code: 'not_lease_holder', taskId: task.id });
    expect((await taskOf(ctx, task.id)).leaseOwner).toBe(RUNNER.id);
    expect(unwrap(await complete(ctx, task.id, lease.fencingToken, SYSTEM_ACTOR)).status).toBe(
      'succeeded',
    );
  });

  it('refuses a runner claiming under another runner id', async () => {
    const ctx = setup();
    await submit(ctx, LOW);
    const result = await claimNextTask({
      deps: ctx.deps,
      actor: RUNNER,
      input: { runnerId: 'runner-2', serves: ['local', 'build-vm'] },
    });
    expect(failure(result)).toMatchObject({ code: 'forbidden', action: 'task.claim' });
    expect(await ctx.deps.queue.depth()).toBe(1);
  });
});

describe('reapExpiredLeases', () => {
  it('marks non-idempotent work with an expired lease as lost', async () => {
    const ctx = setup();
    const { task } = await submit(ctx, LOW);
    await claim(ctx);
    ctx.clock.advance(30_000);
    expect(unwrap(await reap(ctx))).toEqual({ lost: [task.id], requeued: [] });
    expect(await taskOf(ctx, task.id)).toMatchObject({
      status: 'lost',
      leaseOwner: null,
      leaseExpiresAt: null,
      finishedAt: at(30),
    });
    expect(await stagesOf(ctx, task.id)).toMatchObject([
      { outcome: 'lost', errorClass: 'lease_expired', finishedAt: at(30) },
    ]);
    expect((await auditOf(ctx, task.id)).at(-1)).toMatchObject({
      action: 'task.lost',
      actor: 'system',
      detail: { runner: 'runner-1', lease_expired_at: at(30), attempts: 1 },
    });
    expect(ctx.notifier.events.at(-1)).toMatchObject({
      type: 'task.changed',
      from: 'running',
      task: { status: 'lost' },
    });
    expect(unwrap(await reap(ctx))).toEqual({ lost: [], requeued: [] });
  });

  it('requeues idempotent work with attempts left, claimable again with token 2', async () => {
    const ctx = withIdempotentTemplate();
    const { task } = await submit(ctx, IDEMPOTENT);
    await claim(ctx);
    ctx.clock.advance(45_000);
    expect(unwrap(await reap(ctx))).toEqual({ lost: [], requeued: [task.id] });
    expect(await taskOf(ctx, task.id)).toMatchObject({
      status: 'queued',
      attempts: 1,
      leaseOwner: null,
      leaseExpiresAt: null,
      finishedAt: null,
    });
    expect((await auditOf(ctx, task.id)).at(-1)).toMatchObject({ action: 'task.requeued' });

    const again = await claim(ctx, RUNNER_2);
    expect(again.task.id).toBe(task.id);
    expect(again.lease).toMatchObject({ fencingToken: 2, runnerId: 'runner-2', expiresAt: at(75) });
    expect(await stagesOf(ctx, task.id)).toMatchObject([
      { attempt: 1, fencingToken: 1, outcome: 'lost' },
      { attempt: 2, fencingToken: 2, outcome: 'running' },
    ]);
  });

  it('gives idempotent work up as lost after maxAttempts attempts', async () => {
    const ctx = withIdempotentTemplate();
    const { task } = await submit(ctx, IDEMPOTENT);
    for (const attempt of [1, 2]) {
      expect((await claim(ctx)).lease.fencingToken).toBe(attempt);
      ctx.clock.advance(30_000);
      expect(unwrap(await reap(ctx)).requeued).toEqual([task.id]);
    }
    await claim(ctx);
    ctx.clock.advance(30_000);
    expect(unwrap(await reap(ctx))).toEqual({ lost: [task.id], requeued: [] });
    expect(await taskOf(ctx, task.id)).toMatchObject({ status: 'lost', attempts: 3 });
    expect((await stagesOf(ctx, task.id)).map((s) => s.outcome)).toEqual(['lost', 'lost', 'lost']);
  });

  it('leaves a live lease alone', async () => {
    const ctx = setup();
    const { task } = await submit(ctx, LOW);
    await claim(ctx);
    ctx.clock.advance(29_999);
    expect(unwrap(await reap(ctx))).toEqual({ lost: [], requeued: [] });
    expect(await taskOf(ctx, task.id)).toMatchObject({
      status: 'running',
      leaseOwner: 'runner-1',
    });
    expect((await stagesOf(ctx, task.id))[0]?.outcome).toBe('running');
  });

  it('refuses a viewer', async () => {
    const ctx = setup();
    expect(failure(await reap(ctx, VIEWER))).toMatchObject({
      code: 'forbidden',
      action: 'lease.reap',
    });
  });
});

describe('expireStaleApprovals', () => {
  const sweep = (ctx: Ctx, actor: Actor = SYSTEM_ACTOR) =>
    expireStaleApprovals({ deps: ctx.deps, actor, input: {} });

  it('expires the tasks of approvals past their expiry and leaves fresh ones', async () => {
    const ctx = setup();
    const old = await submit(ctx, STAGING);
    ctx.clock.advance(300_000);
    const fresh = await submit(ctx, PRODUCTION);
    const decided = await submit(ctx, STAGING);
    unwrap(await approve(ctx, decided.task.id));

    expect(unwrap(await sweep(ctx))).toEqual([]);
    ctx.clock.advance(300_000);
    expect(unwrap(await sweep(ctx))).toEqual([old.task.id]);

    expect(await taskOf(ctx, old.task.id)).toMatchObject({
      status: 'expired',
      finishedAt: at(600),
    });
    expect(await approvalsOf(ctx, old.task.id)).toMatchObject([
      { status: 'expired', decidedBy: 'system', decidedAt: at(600) },
    ]);
    expect((await auditOf(ctx, old.task.id)).at(-1)).toMatchObject({
      action: 'task.approval_expired',
      actor: 'system',
      detail: { expires_at: at(600) },
    });
    expect((await taskOf(ctx, fresh.task.id)).status).toBe('awaiting_approval');
    expect((await approvalsOf(ctx, fresh.task.id))[0]?.status).toBe('pending');
    expect((await taskOf(ctx, decided.task.id)).status).toBe('queued');

    expect(unwrap(await sweep(ctx))).toEqual([]);
    ctx.clock.advance(300_000);
    expect(unwrap(await sweep(ctx))).toEqual([fresh.task.id]);
    expect((await taskOf(ctx, fresh.task.id)).status).toBe('expired');
  });

  it('refuses a viewer', async () => {
    const ctx = setup();
    const { task } = await submit(ctx, STAGING);
    ctx.clock.advance(600_000);
    expect(failure(await sweep(ctx, VIEWER))).toMatchObject({ code: 'forbidden' });
    expect((await taskOf(ctx, task.id)).status).toBe('awaiting_approval');
  });
});

describe('listTasks and getTask', () => {
  const list = (ctx: Ctx, limit: number, after?: string, actor: Actor = VIEWER) =>
    listTasks({ deps: ctx.deps, actor, input: after === undefined ? { limit } : { limit, after } });

  it('pages newest first with a cursor that walks every task once', async () => {
    const ctx = setup();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await submit(ctx, LOW)).task.id);
    const newest = [...ids].reverse();

    const p1 = unwrap(await list(ctx, 2));
    expect(p1.items.map((t) => t.id)).toEqual(newest.slice(0, 2));
    expect(p1.nextCursor).toBe(newest[1]);
    const p2 = unwrap(await list(ctx, 2, p1.nextCursor ?? undefined));
    expect(p2.items.map((t) => t.id)).toEqual(newest.slice(2, 4));
    const p3 = unwrap(await list(ctx, 2, p2.nextCursor ?? undefined));
    expect(p3.items.map((t) => t.id)).toEqual(newest.slice(4));
    expect(p3.nextCursor).toBeNull();
  });

  it('clamps the limit to 1..100', async () => {
    const ctx = setup();
    for (let i = 0; i < 105; i++) await submit(ctx, LOW);
    expect(unwrap(await list(ctx, 0)).items).toHaveLength(1);
    expect(unwrap(await list(ctx, -5)).items).toHaveLength(1);
    expect(unwrap(await list(ctx, 2.9)).items).toHaveLength(2);
    expect(unwrap(await list(ctx, 100)).items).toHaveLength(100);
    const big = unwrap(await list(ctx, 1000));
    expect(big.items).toHaveLength(100);
    expect(big.nextCursor).not.toBeNull();
  });

  it('filters by status', async () => {
    const ctx = setup();
    await submit(ctx, LOW);
    const gated = await submit(ctx, STAGING);
    const page = unwrap(
      await listTasks({
        deps: ctx.deps,
        actor: OWNER,
        input: { limit: 10, status: ['awaiting_approval'] },
      }),
    );
    expect(page.items.map((t) => t.id)).toEqual([gated.task.id]);
  });

  it('refuses a runner reading tasks', async () => {
    const ctx = setup();
    expect(failure(await list(ctx, 10, undefined, RUNNER))).toMatchObject({
      code: 'forbidden',
      action: 'task.read',
    });
  });

  it('returns a task with its stages, approvals and audit trail', async () => {
    const ctx = setup();
    const { task } = await submit(ctx, STAGING);
    ctx.clock.advance(1_000);
    unwrap(await approve(ctx, task.id));
    ctx.clock.advance(1_000);
    const { lease } = await claim(ctx);
    ctx.clock.advance(1_000);
    unwrap(await complete(ctx, task.id, lease.fencingToken));

    const detail = unwrap(
      await getTask({ deps: ctx.deps, actor: VIEWER, input: { taskId: task.id } }),
    );
    expect(detail.task).toEqual(await taskOf(ctx, task.id));
    expect(detail.task.status).toBe('succeeded');
    expect(detail.stages).toMatchObject([{ attempt: 1, outcome: 'succeeded', costUsd: 0.42 }]);
    expect(detail.approvals).toMatchObject([{ status: 'approved', decidedBy: 'u-owner' }]);
    expect(detail.audit.map((e) => e.action)).toEqual([
      'task.submitted',
      'task.approval_requested',
      'task.approved',
      'task.claimed',
      'task.succeeded',
    ]);
  });

  it('answers not_found for an unknown task and forbidden for a runner', async () => {
    const ctx = setup();
    const { task } = await submit(ctx, LOW);
    expect(
      failure(await getTask({ deps: ctx.deps, actor: OWNER, input: { taskId: 'nope' } })),
    ).toEqual({ code: 'not_found', entity: 'task', id: 'nope' });
    expect(
      failure(await getTask({ deps: ctx.deps, actor: RUNNER, input: { taskId: task.id } })),
    ).toMatchObject({ code: 'forbidden', action: 'task.read', role: 'runner' });
  });
});

describe('getSystemStatus', () => {
  it('shows the queue depth and the breakers of the current UTC day and month', async () => {
    const ctx = setup();
    await submit(ctx, LOW);
    await submit(ctx, LOW);
    await submit(ctx, STAGING);
    await claim(ctx);
    const status = await getSystemStatus({ deps: ctx.deps });
    expect(status.queueDepth).toBe(1);
    expect(status.breakers).toEqual([
      expect.objectContaining({ key: 'day:2026-01-01', scope: 'day', thresholdUsd: 20 }),
      expect.objectContaining({ key: 'month:2026-01', scope: 'month', thresholdUsd: 80 }),
    ]);
    // The claimed agent task reserved its estimate ($0.50) on the day; the month is untouched.
    expect(status.breakers.map((b) => [b.spentUsd, b.reservedUsd, b.state])).toEqual([
      [0, 0.5, 'ok'],
      [0, 0, 'ok'],
    ]);
  });

  it('shows a stored breaker as it is', async () => {
    const ctx = setup();
    const day = {
      key: 'day:2026-01-01',
      scope: 'day' as const,
      period: '2026-01-01',
      thresholdUsd: 20,
      spentUsd: 21.5,
      reservedUsd: 0,
      state: 'open' as const,
      overriddenBy: null,
      updatedAt: T0,
    };
    await ctx.deps.breakers.save(day);
    expect((await getSystemStatus({ deps: ctx.deps })).breakers[0]).toEqual(day);
  });
});

describe('reportProgress', () => {
  it('passes live output of the current lease to the notifiers, and refuses anyone else', async () => {
    const ctx = setup();
    const { task } = await submit(ctx, LOW);
    const { lease } = await claim(ctx);
    const input = {
      taskId: task.id,
      fencingToken: lease.fencingToken,
      outputTail: 'x'.repeat(5_000),
      elapsedMs: 1_500,
    };
    expect(await reportProgress({ deps: ctx.deps, actor: RUNNER, input })).toEqual({
      ok: true,
      value: { halt: false },
    });
    const event = ctx.notifier.events.at(-1);
    expect(event?.type).toBe('task.progress');
    expect(event?.type === 'task.progress' && event.outputTail.length).toBe(4_000);
    const stale = await reportProgress({
      deps: ctx.deps,
      actor: RUNNER,
      input: { ...input, fencingToken: 99 },
    });
    expect(failure(stale)).toEqual({ code: 'lease_lost', taskId: task.id });
    const other = await reportProgress({ deps: ctx.deps, actor: RUNNER_2, input });
    expect(failure(other)).toEqual({ code: 'not_lease_holder', taskId: task.id });
    expect(failure(await reportProgress({ deps: ctx.deps, actor: OWNER, input }))).toMatchObject({
      code: 'forbidden',
    });
  });
});
