import { describe, expect, it } from 'vitest';
import type { Actor } from '../../src/core/actor.js';
import {
  DEFAULT_BREAKER_LIMITS,
  fitsDay,
  freshBreaker,
  stateFor,
  type Breaker,
} from '../../src/core/breaker.js';
import type { DomainEvent } from '../../src/core/events.js';
import { createFixedClock } from '../../src/core/fakes/fixed-clock.js';
import { createMemoryStores } from '../../src/core/fakes/memory-stores.js';
import { createRecordingNotifier } from '../../src/core/fakes/recording-notifier.js';
import { EMPTY_STAGE_RESULT } from '../../src/core/stage.js';
import type { Task } from '../../src/core/task.js';
import { claimNextTask } from '../../src/core/use-cases/claim-next-task.js';
import { completeTask } from '../../src/core/use-cases/complete-task.js';
import { cancelTask } from '../../src/core/use-cases/cancel-task.js';
import { overrideBreaker } from '../../src/core/use-cases/override-breaker.js';
import { planClimb } from '../../src/core/use-cases/plan-climb.js';
import { reapExpiredLeases } from '../../src/core/use-cases/reap-expired-leases.js';
import { reportProgress } from '../../src/core/use-cases/report-progress.js';
import { aTask } from '../helpers/builders.js';
import { coreDepsFor } from '../helpers/core-deps.js';

const RUNNER: Actor = { id: 'runner-1', role: 'runner', channel: 'runner' };
const OWNER: Actor = { id: 'u-owner', role: 'owner', channel: 'telegram' };
const APPROVER: Actor = { id: 'u-approver', role: 'approver', channel: 'pwa' };
const LIMITS = DEFAULT_BREAKER_LIMITS;

function setup(start = '2026-03-15T12:00:00.000Z') {
  const stores = createMemoryStores();
  const clock = createFixedClock(start);
  const notifier = createRecordingNotifier();
  const deps = coreDepsFor(stores, { clock, notifier });
  let n = 0;
  const queue = async (overrides: Partial<Task> = {}): Promise<Task> => {
    n += 1;
    const task = aTask({
      id: `t${String(n).padStart(3, '0')}`,
      kind: 'agent',
      executor: 'codex',
      argv: null,
      prompt: 'fix it',
      ...overrides,
    });
    await stores.tasks.create(task, null, [], null);
    return task;
  };
  const claim = async () => {
    const r = await claimNextTask({
      deps,
      actor: RUNNER,
      input: { runnerId: RUNNER.id, serves: ['local', 'build-vm'] },
    });
    if (!r.ok) throw new Error(r.error.code);
    return r.value;
  };
  const complete = async (taskId: string, fencingToken: number, costUsd: number) => {
    const result = { ...EMPTY_STAGE_RESULT, exitCode: 0, costUsd };
    const input = { taskId, fencingToken, outcome: 'succeeded' as const, result };
    const r = await completeTask({ deps, actor: RUNNER, input });
    if (!r.ok) throw new Error(r.error.code);
    return r.value;
  };
  /** Reports a running claim's streamed spend; resolves with whether it must halt. */
  const progress = async (c: { task: Task; lease: { fencingToken: number } }, costUsd: number) => {
    const input = {
      taskId: c.task.id,
      fencingToken: c.lease.fencingToken,
      outputTail: '',
      elapsedMs: 1,
      costUsd,
    };
    const r = await reportProgress({ deps, actor: RUNNER, input });
    if (!r.ok) throw new Error(r.error.code);
    return r.value.halt;
  };
  /** Queues, claims and completes one agent task costing costUsd. */
  const spend = async (costUsd: number) => {
    await queue();
    const c = await claim();
    if (!c) throw new Error('nothing claimed');
    return complete(c.task.id, c.lease.fencingToken, costUsd);
  };
  const seed = async (scope: 'day' | 'month', period: string, patch: Partial<Breaker>) => {
    const limit = scope === 'day' ? LIMITS.dayBlockUsd : LIMITS.monthFlagUsd;
    await stores.breakers.save({ ...freshBreaker(scope, period, limit, start), ...patch });
  };
  const alerts = () =>
    notifier.events.filter(
      (e): e is Extract<DomainEvent, { type: 'breaker.alert' }> => e.type === 'breaker.alert',
    );
  return { stores, clock, deps, queue, claim, complete, progress, spend, seed, alerts };
}

describe('breaker thresholds (pure)', () => {
  it.each([
    ['task', 1.99, 'ok'],
    ['task', 2.0, 'warn'],
    ['task', 4.99, 'warn'],
    ['task', 5.0, 'open'],
    ['day', 19.99, 'ok'],
    ['day', 20.0, 'open'],
    ['month', 79.99, 'ok'],
    ['month', 80.0, 'flagged'],
  ] as const)('%s at $%s is %s', (scope, usd, state) => {
    expect(stateFor(scope, usd, LIMITS)).toBe(state);
  });

  it('reaches a threshold through float sums ($19.99 + $0.01 is $20.00)', () => {
    expect(stateFor('day', 19.99 + 0.01, LIMITS)).toBe('open');
    expect(stateFor('task', 0.1 + 0.2 + 1.7, LIMITS)).toBe('warn');
  });

  it('fits a dispatch that lands exactly on the day limit, not a cent over', () => {
    const day = freshBreaker('day', '2026-03-15', 20, 'x');
    expect(fitsDay({ ...day, spentUsd: 19, reservedUsd: 0.5 }, 0.5)).toBe(true);
    expect(fitsDay({ ...day, spentUsd: 19, reservedUsd: 0.51 }, 0.5)).toBe(false);
    expect(fitsDay({ ...day, spentUsd: 25 }, 0)).toBe(true);
    expect(fitsDay({ ...day, spentUsd: 25, overriddenBy: 'u-owner' }, 0.5)).toBe(true);
  });
});

describe('per-task breaker', () => {
  it('warns once at $2.00, not at $1.99, when a stage completes', async () => {
    const t = setup();
    await t.spend(1.99);
    expect(t.alerts()).toEqual([]);
    await t.spend(2.0);
    expect(t.alerts().map((a) => [a.breaker.scope, a.breaker.state, a.task?.id])).toEqual([
      ['task', 'warn', 't002'],
    ]);
  });

  it('halts a running task at $5.00 of streamed spend, not at $4.99, alerting once per crossing', async () => {
    const t = setup();
    await t.queue();
    const c = await t.claim();
    if (!c) throw new Error('nothing claimed');
    const report = (costUsd: number) => t.progress(c, costUsd);
    expect(await report(1.99)).toBe(false);
    expect(t.alerts()).toHaveLength(0);
    expect(await report(2.0)).toBe(false);
    expect(await report(4.99)).toBe(false);
    expect(t.alerts().map((a) => a.breaker.state)).toEqual(['warn']);
    expect(await report(5.0)).toBe(true);
    expect(await report(5.5)).toBe(true);
    expect(t.alerts().map((a) => a.breaker.state)).toEqual(['warn', 'open']);
    expect(await t.stores.breakers.get(`task:${c.task.id}`)).toMatchObject({
      spentUsd: 5.5,
      state: 'open',
    });
  });
});

describe("per-task breaker crossings on the task's own record", () => {
  it('a task that cost $2.50 against the $2 warn limit shows the warn in its audit', async () => {
    const t = setup();
    await t.spend(2.5);
    const record = await t.stores.audit.listBySubject('task:t001', 50);
    expect(record.filter((e) => e.action === 'breaker.crossed')).toEqual([
      expect.objectContaining({
        actor: RUNNER.id,
        channel: 'runner',
        detail: expect.objectContaining({
          breaker: 'task:t001',
          state: 'warn',
          spent_usd: 2.5,
          threshold_usd: LIMITS.taskHaltUsd,
        }),
      }),
    ]);
  });

  it("a streamed halt is on the task's record too, once per crossing", async () => {
    const t = setup();
    await t.queue();
    const c = await t.claim();
    if (!c) throw new Error('nothing claimed');
    await t.progress(c, 2.1);
    await t.progress(c, 5.2);
    await t.progress(c, 5.9);
    const record = await t.stores.audit.listBySubject(`task:${c.task.id}`, 50);
    expect(
      record.filter((e) => e.action === 'breaker.crossed').map((e) => e.detail['state']),
    ).toEqual(['warn', 'open']);
  });
});

describe('day breaker', () => {
  it('reserves the estimate at claim and settles it at completion', async () => {
    const t = setup();
    await t.queue();
    const c = await t.claim();
    expect(await t.stores.breakers.get('day:2026-03-15')).toMatchObject({
      reservedUsd: 0.5,
      spentUsd: 0,
    });
    await t.complete(c!.task.id, c!.lease.fencingToken, 0.3);
    expect(await t.stores.breakers.get('day:2026-03-15')).toMatchObject({
      reservedUsd: 0,
      spentUsd: 0.3,
    });
    expect(await t.stores.breakers.get('month:2026-03')).toMatchObject({ spentUsd: 0.3 });
  });

  it.each([
    [19.49, true],
    [19.5, true],
    [19.51, false],
  ])('with $%s spent, a $0.50 dispatch starts: %s', async (spent, starts) => {
    const t = setup();
    await t.seed('day', '2026-03-15', { spentUsd: spent });
    const task = await t.queue();
    const c = await t.claim();
    expect(c?.task.id ?? null).toBe(starts ? task.id : null);
    const stored = await t.stores.tasks.get(task.id);
    expect(stored?.status).toBe(starts ? 'running' : 'failed');
    const stages = await t.stores.stages.listByTask(task.id);
    if (!starts) {
      expect(stages.map((s) => [s.outcome, s.errorClass])).toEqual([
        ['failed', 'blocked_by_breaker'],
      ]);
      expect(stages[0]?.summary).toMatch(/daily spend breaker.*\$20\.00.*override/);
    }
    // The day's state follows its spend ($19.51 of $20.00 is not over): a refused estimate is
    // the blocked task's outcome, not an alert that the day's limit was reached.
    expect(t.alerts()).toEqual([]);
    expect((await t.stores.breakers.get('day:2026-03-15'))?.state).toBe('ok');
  });

  it('opens at $20.00 of spend (not $19.99), alerts once, and still lets $0 shell work run', async () => {
    const t = setup();
    await t.seed('day', '2026-03-15', { spentUsd: 19.49 });
    await t.spend(0.5);
    expect(t.alerts()).toEqual([]);
    await t.seed('day', '2026-03-15', { spentUsd: 19.5 });
    await t.spend(0.5);
    expect(t.alerts().map((a) => [a.breaker.key, a.breaker.state])).toEqual([
      ['day:2026-03-15', 'open'],
    ]);
    const blocked = await t.queue();
    const shell = await t.queue({ kind: 'shell', executor: null, argv: ['ls'], prompt: null });
    const c = await t.claim();
    expect(c?.task.id).toBe(shell.id);
    expect((await t.stores.tasks.get(blocked.id))?.status).toBe('failed');
    // The day was already open: blocking another task sends no second alert.
    expect(t.alerts()).toHaveLength(1);
  });

  it('rolls over at 00:00:00.000 UTC: the new day starts untouched', async () => {
    const t = setup('2026-03-31T23:59:59.999Z');
    await t.seed('day', '2026-03-31', { spentUsd: 20, state: 'open' });
    const late = await t.queue();
    expect(await t.claim()).toBeNull();
    expect((await t.stores.tasks.get(late.id))?.status).toBe('failed');
    t.clock.advance(1);
    const early = await t.queue();
    const c = await t.claim();
    expect(c?.task.id).toBe(early.id);
    expect(await t.stores.breakers.get('day:2026-04-01')).toMatchObject({
      reservedUsd: 0.5,
      state: 'ok',
    });
  });

  it('books a run that crosses midnight on the day and month it started (and reserved) in', async () => {
    const t = setup('2026-03-31T23:59:59.999Z');
    await t.queue();
    const c = await t.claim();
    t.clock.set('2026-04-01T00:00:05.000Z');
    await t.complete(c!.task.id, c!.lease.fencingToken, 1.25);
    expect(await t.stores.breakers.get('day:2026-03-31')).toMatchObject({
      spentUsd: 1.25,
      reservedUsd: 0,
    });
    expect(await t.stores.breakers.get('month:2026-03')).toMatchObject({ spentUsd: 1.25 });
    expect(await t.stores.breakers.get('day:2026-04-01')).toBeNull();
    expect(await t.stores.breakers.get('month:2026-04')).toBeNull();
  });

  it('an owner override lets executions through until the UTC day ends, audited', async () => {
    const t = setup('2026-03-15T23:00:00.000Z');
    await t.seed('day', '2026-03-15', { spentUsd: 20, state: 'open' });
    const denied = await overrideBreaker({
      deps: t.deps,
      actor: APPROVER,
      input: { scope: 'day' },
    });
    expect(denied.ok).toBe(false);
    const r = await overrideBreaker({ deps: t.deps, actor: OWNER, input: { scope: 'day' } });
    expect(r.ok && r.value).toMatchObject({ key: 'day:2026-03-15', overriddenBy: OWNER.id });
    const task = await t.queue();
    expect((await t.claim())?.task.id).toBe(task.id);
    expect(await t.stores.audit.listBySubject('breaker:day:2026-03-15', 10)).toEqual([
      expect.objectContaining({ action: 'access.denied', actor: APPROVER.id }),
      expect.objectContaining({
        action: 'breaker.overridden',
        actor: OWNER.id,
        detail: expect.objectContaining({ spent_usd: 20 }),
      }),
    ]);
    // The next day has its own row: the override does not carry over.
    t.clock.set('2026-03-16T00:00:00.000Z');
    await t.seed('day', '2026-03-16', { spentUsd: 20, state: 'open' });
    const next = await t.queue();
    expect(await t.claim()).toBeNull();
    expect((await t.stores.tasks.get(next.id))?.status).toBe('failed');
  });
});

describe('a day row written under another limit', () => {
  it('is judged against the limit configured now when a climb checks what it can afford', async () => {
    const t = setup();
    // Written while the day limit was $1; the config now says $20.
    await t.seed('day', '2026-03-15', { thresholdUsd: 1, spentUsd: 0.9, state: 'ok' });
    const task = await t.queue({ executor: 'codex' });
    const next = await planClimb(
      { ...t.deps, ladder: ['codex', 'claude-sonnet', 'human'] },
      { task, current: 'codex', costUsd: 0, unsettled: false },
    );
    expect(next).toMatchObject({ kind: 'executor', executor: 'claude-sonnet', skipped: [] });
  });
});

describe('reservations of attempts that never report', () => {
  it('are released when a running task is cancelled or its lease is reaped', async () => {
    const t = setup();
    await t.queue();
    await t.queue();
    const a = await t.claim();
    await t.claim();
    expect(await t.stores.breakers.get('day:2026-03-15')).toMatchObject({ reservedUsd: 1 });
    const cancelled = await cancelTask({
      deps: t.deps,
      actor: OWNER,
      input: { taskId: a!.task.id },
    });
    expect(cancelled.ok).toBe(true);
    expect(await t.stores.breakers.get('day:2026-03-15')).toMatchObject({ reservedUsd: 0.5 });
    t.clock.advance(60_000);
    const reaped = await reapExpiredLeases({ deps: t.deps, actor: OWNER, input: {} });
    expect(reaped.ok && reaped.value.lost).toHaveLength(1);
    expect(await t.stores.breakers.get('day:2026-03-15')).toMatchObject({
      reservedUsd: 0,
      spentUsd: 0,
    });
  });

  it('book what their streamed usage showed on the day and month: the CLI spent it', async () => {
    const t = setup();
    await t.spend(0.25);
    await t.queue();
    await t.queue();
    const running = [await t.claim(), await t.claim()];
    // t.progress throws unless the report is accepted.
    await t.progress(running[0]!, 1.2);
    await t.progress(running[1]!, 0.8);
    await cancelTask({ deps: t.deps, actor: OWNER, input: { taskId: running[0]!.task.id } });
    expect(await t.stores.breakers.get('day:2026-03-15')).toMatchObject({
      spentUsd: 0.25 + 1.2,
      reservedUsd: 0.5,
    });
    t.clock.advance(60_000);
    await reapExpiredLeases({ deps: t.deps, actor: OWNER, input: {} });
    expect(await t.stores.breakers.get('day:2026-03-15')).toMatchObject({
      spentUsd: 0.25 + 1.2 + 0.8,
      reservedUsd: 0,
    });
    expect((await t.stores.breakers.get('month:2026-03'))?.spentUsd).toBeCloseTo(2.25, 9);
  });
});

describe('month breaker', () => {
  it('flags at $80.00 (not $79.99) once, and never blocks', async () => {
    const t = setup('2026-02-28T23:59:59.999Z');
    await t.seed('month', '2026-02', { spentUsd: 79.49 });
    await t.spend(0.5);
    expect(t.alerts()).toEqual([]);
    await t.spend(0.01);
    expect(t.alerts().map((a) => [a.breaker.key, a.breaker.state])).toEqual([
      ['month:2026-02', 'flagged'],
    ]);
    await t.spend(0.5);
    expect(t.alerts()).toHaveLength(1);
    // Month end: March starts a fresh month.
    t.clock.advance(1);
    await t.spend(0.5);
    expect(await t.stores.breakers.get('month:2026-03')).toMatchObject({
      spentUsd: 0.5,
      state: 'ok',
    });
  });
});

describe('one alert per crossing', () => {
  it('of many concurrent completions crossing the same threshold, one alerts', async () => {
    const t = setup();
    await t.seed('day', '2026-03-15', { spentUsd: 19.9 });
    const claims = [];
    for (let i = 0; i < 5; i += 1) {
      await t.queue({ kind: 'shell', executor: null, argv: ['ls'], prompt: null });
      claims.push(await t.claim());
    }
    await Promise.all(claims.map((c) => t.complete(c!.task.id, c!.lease.fencingToken, 0.1)));
    expect(t.alerts().map((a) => [a.breaker.key, a.breaker.state])).toEqual([
      ['day:2026-03-15', 'open'],
    ]);
  });
});
