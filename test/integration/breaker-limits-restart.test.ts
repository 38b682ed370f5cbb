import { afterEach, describe, expect, it } from 'vitest';
import type { Actor } from '../../src/core/actor.js';
import { DEFAULT_BREAKER_LIMITS, type BreakerLimits } from '../../src/core/breaker.js';
import type { DomainEvent } from '../../src/core/events.js';
import { createSequentialIds } from '../../src/core/fakes/sequential-ids.js';
import { EMPTY_STAGE_RESULT } from '../../src/core/stage.js';
import { claimNextTask } from '../../src/core/use-cases/claim-next-task.js';
import { completeTask } from '../../src/core/use-cases/complete-task.js';
import { getSystemStatus } from '../../src/core/use-cases/get-system-status.js';
import { breakerAlert, spendView } from '../../src/bot/views/overview.js';
import { aTask } from '../helpers/builders.js';
import { createTempDb, type TempDb } from '../helpers/temp-db.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

const RUNNER: Actor = { id: 'runner-1', role: 'runner', channel: 'runner' };
const limits = (dayBlockUsd: number, monthFlagUsd: number): BreakerLimits => ({
  ...DEFAULT_BREAKER_LIMITS,
  dayBlockUsd,
  monthFlagUsd,
});

interface BreakerJson {
  scope: string;
  state: string;
  spent_usd: number;
  threshold_usd: number;
}

type Alert = Extract<DomainEvent, { type: 'breaker.alert' }>;
const alertsOf = (t: TestApp): Alert[] =>
  t.notifier.events.filter((e): e is Alert => e.type === 'breaker.alert');

let n = 0;
/** Queues one agent task and claims it as a runner would (null: the claim dispatched nothing). */
async function queueAndClaim(t: TestApp) {
  n += 1;
  const task = aTask({ id: `lim-${n}`, kind: 'agent', executor: 'codex', argv: null });
  await t.stores.tasks.create(task, null, [], null);
  const c = await claimNextTask({
    deps: t.core,
    actor: RUNNER,
    input: { runnerId: RUNNER.id, serves: ['local'] },
  });
  if (!c.ok) throw new Error(c.error.code);
  return { task, claim: c.value };
}

/** Queues, claims and completes one agent task that cost `costUsd`, as a runner would. */
async function spend(t: TestApp, costUsd: number) {
  const { task, claim } = await queueAndClaim(t);
  if (!claim) throw new Error('nothing claimed');
  const result = { ...EMPTY_STAGE_RESULT, exitCode: 0, costUsd };
  const input = { taskId: task.id, fencingToken: claim.lease.fencingToken, result };
  const r = await completeTask({
    deps: t.core,
    actor: RUNNER,
    input: { ...input, outcome: 'succeeded' },
  });
  if (!r.ok) throw new Error(r.error.code);
}

async function shown(t: TestApp) {
  const health = (await (await t.raw('/health')).json()) as { breakers: BreakerJson[] };
  const api = (await (await t.call('/api/breakers')).json()) as { breakers: BreakerJson[] };
  const chart = (await (await t.call('/api/spend?days=1')).json()) as {
    day_threshold_usd: number;
    month_threshold_usd: number;
  };
  const status = await getSystemStatus({ deps: t.core });
  const pick = (bs: BreakerJson[]) =>
    bs.map((b) => [b.scope, b.spent_usd, b.threshold_usd, b.state]);
  return {
    health: pick(health.breakers),
    api: pick(api.breakers),
    chart: [chart.day_threshold_usd, chart.month_threshold_usd],
    spendText: spendView(status.breakers, 'both').text,
  };
}

describe('spend limits after a config change and a restart (one libSQL file)', () => {
  let db: TempDb | undefined;
  const apps: TestApp[] = [];
  const start = async (l: BreakerLimits) => {
    db ??= await createTempDb();
    const t = await createTestApp({
      db,
      breakerLimits: l,
      now: '2026-01-15T12:00:00.000Z',
      // Each start numbers its rows afresh: a prefix per start keeps ids unique in the file.
      ids: createSequentialIds(`start${apps.length}`),
    });
    apps.push(t);
    return t;
  };
  afterEach(() => {
    apps.splice(0).forEach((a) => a.dispose());
    db?.dispose();
    db = undefined;
  });

  it('every display shows the new limits, states follow spend against them, and the next crossing alerts', async () => {
    const first = await start(limits(1, 1));
    await spend(first, 1.5);
    expect(alertsOf(first).map((a) => [a.breaker.scope, a.breaker.state])).toEqual([
      ['day', 'open'],
      ['month', 'flagged'],
    ]);

    // Restart with higher limits: $1.50 is under both now.
    const second = await start(limits(2, 3));
    const after = await shown(second);
    expect(after.health).toEqual([
      ['day', 1.5, 2, 'ok'],
      ['month', 1.5, 3, 'ok'],
    ]);
    expect(after.api).toEqual(after.health);
    expect(after.chart).toEqual([2, 3]);
    expect(after.spendText).toBe(
      'Spend\nToday (2026-01-15 UTC): $1.50 of $2.00 · ok\nThis month (2026-01): $1.50 of $3.00 · ok',
    );

    // Crossing the new day limit alerts again, with the new limit.
    await spend(second, 0.6);
    const alerts = alertsOf(second);
    expect(alerts.map((a) => [a.breaker.scope, a.breaker.state])).toEqual([['day', 'open']]);
    expect(breakerAlert(alerts[0]!.breaker).text).toBe(
      '🛑 Spend limit reached: new executions are blocked\n' +
        'Today (2026-01-15 UTC): $2.10 of $2.00 · OPEN — new executions blocked',
    );

    // Restart with a lower month limit: $2.10 is over $2.00, shown flagged everywhere at once.
    const third = await start(limits(5, 2));
    const lowered = await shown(third);
    expect(lowered.health).toEqual([
      ['day', 2.1, 5, 'ok'],
      ['month', 2.1, 2, 'flagged'],
    ]);
    expect(lowered.api).toEqual(lowered.health);
    expect(lowered.spendText).toContain('This month (2026-01): $2.10 of $2.00 · flagged');
    // The crossing check raises the month against its new limit, alerting once.
    await spend(third, 0.01);
    expect(alertsOf(third).map((a) => [a.breaker.scope, a.breaker.thresholdUsd])).toEqual([
      ['month', 2],
    ]);
  });

  it('a dispatch the day has no room for is blocked without showing the day over its limit', async () => {
    const t = await start(limits(0.2, 80));
    const { task, claim } = await queueAndClaim(t);
    expect(claim).toBeNull();
    expect((await t.stores.tasks.get(task.id))?.status).toBe('failed');
    const s = await shown(t);
    expect(s.health[0]).toEqual(['day', 0, 0.2, 'ok']);
    expect(s.spendText).toContain('Today (2026-01-15 UTC): $0 of $0.20 · ok');
    expect(alertsOf(t)).toEqual([]);
  });
});
