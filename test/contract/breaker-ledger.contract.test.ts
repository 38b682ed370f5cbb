import { describe, expect, it } from 'vitest';
import { freshBreaker } from '../../src/core/breaker.js';
import type { ClaimRequest, DispatchBudget } from '../../src/core/ports/job-queue.js';
import { aTask } from '../helpers/builders.js';
import { IMPLEMENTATIONS, useStores } from './implementations.js';

const NOW = '2026-01-01T00:01:00.000Z';
let n = 0;
const request = (over: Partial<ClaimRequest> = {}): ClaimRequest => {
  n++;
  return {
    runnerId: 'r1',
    hosts: ['local'],
    now: NOW,
    leaseExpiresAt: '2026-01-01T00:01:30.000Z',
    changeId: `c${n}`,
    stageId: `s${n}`,
    auditId: `e${n}`,
    ...over,
  };
};
const DAY = freshBreaker('day', '2026-01-01', 20, NOW);
const budget = (over: Partial<DispatchBudget> = {}): DispatchBudget => {
  n++;
  return {
    day: DAY,
    estimateUsd: { 'claude-opus': 3 },
    defaultEstimateUsd: 0.5,
    blockSummary: 'no room today',
    blockChangeId: `bc${n}`,
    blockStageId: `bs${n}`,
    blockAuditId: `be${n}`,
    ...over,
  };
};
const agent = (id: string, executor = 'codex') =>
  aTask({ id, kind: 'agent', executor, argv: null, prompt: 'fix it' });

describe.each(IMPLEMENTATIONS)('Breaker ledger contract (%s)', (_name, make) => {
  const stores = useStores(make);

  it('books spend and releases reservations atomically, creating the row for a new period', async () => {
    const { breakers } = stores();
    const fresh = freshBreaker('month', '2026-01', 80, NOW);
    expect(await breakers.book({ fresh, at: NOW, addSpentUsd: 1.5 })).toMatchObject({
      key: 'month:2026-01',
      spentUsd: 1.5,
      reservedUsd: 0,
      state: 'ok',
    });
    await breakers.save({ ...(await breakers.get('month:2026-01'))!, reservedUsd: 1 });
    await Promise.all(
      Array.from({ length: 10 }, () =>
        breakers.book({ fresh, at: NOW, addSpentUsd: 0.25, releaseUsd: 0.5 }),
      ),
    );
    // Ten concurrent bookings add up; the reservation never goes below zero.
    expect(await breakers.get('month:2026-01')).toMatchObject({ spentUsd: 4, reservedUsd: 0 });
    // minSpentUsd raises a running task's total, never lowers it.
    const task = freshBreaker('task', 't1', 5, NOW);
    await breakers.book({ fresh: task, at: NOW, minSpentUsd: 2 });
    expect((await breakers.book({ fresh: task, at: NOW, minSpentUsd: 1 })).spentUsd).toBe(2);
  });

  it('a booking or claim under a changed limit takes it; a state set against the old one starts over', async () => {
    const { breakers, tasks, queue } = stores();
    const old = freshBreaker('month', '2026-01', 1, NOW);
    await breakers.book({ fresh: old, at: NOW, addSpentUsd: 1.5 });
    await breakers.advance(old.key, ['ok'], 'flagged', NOW);
    // Same limit: the state stays.
    expect(await breakers.book({ fresh: old, at: NOW, addSpentUsd: 0 })).toMatchObject({
      thresholdUsd: 1,
      state: 'flagged',
    });
    const raised = freshBreaker('month', '2026-01', 3, NOW);
    expect(await breakers.book({ fresh: raised, at: NOW, addSpentUsd: 0.1 })).toMatchObject({
      thresholdUsd: 3,
      spentUsd: 1.6,
      state: 'ok',
    });
    // The day's row, brought to the limit a claim carries.
    await breakers.save({ ...DAY, thresholdUsd: 1, spentUsd: 1.2, state: 'open' });
    await tasks.create(agent('relimit-1'), null, [], null);
    const { claim } = await queue.claimWithinBudget(request(), budget());
    expect(claim?.task.id).toBe('relimit-1');
    expect(await breakers.get(DAY.key)).toMatchObject({
      thresholdUsd: 20,
      state: 'ok',
      reservedUsd: 0.5,
    });
  });

  it('moves a state only from the given states: one of several racers wins', async () => {
    const { breakers } = stores();
    await breakers.book({ fresh: DAY, at: NOW });
    const moves = await Promise.all(
      Array.from({ length: 6 }, () => breakers.advance(DAY.key, ['ok', 'warn'], 'open', NOW)),
    );
    expect(moves.filter((m) => m !== null)).toHaveLength(1);
    expect(await breakers.advance(DAY.key, ['ok'], 'open', NOW)).toBeNull();
    expect(await breakers.advance('nope', ['ok'], 'open', NOW)).toBeNull();
  });

  it('an override sets who overrode, on a new or an existing row', async () => {
    const { breakers } = stores();
    expect(await breakers.override(DAY, 'u-owner', NOW)).toMatchObject({
      key: DAY.key,
      overriddenBy: 'u-owner',
      spentUsd: 0,
    });
  });

  it('a budgeted claim reserves the task estimate on the day in the same write', async () => {
    const { tasks, queue, breakers } = stores();
    await tasks.create(agent('t1', 'claude-opus'), null, []);
    await tasks.create(agent('t2'), null, []);
    await tasks.create(aTask({ id: 't3' }), null, []);
    const first = await queue.claimWithinBudget(request(), budget());
    expect(first.claim?.task.id).toBe('t1');
    expect(first.blocked).toBeNull();
    expect(await breakers.get(DAY.key)).toMatchObject({ reservedUsd: 3, spentUsd: 0 });
    await queue.claimWithinBudget(request(), budget());
    await queue.claimWithinBudget(request(), budget());
    // The shell task reserves nothing.
    expect(await breakers.get(DAY.key)).toMatchObject({ reservedUsd: 3.5 });
  });

  it('a command that reserves nothing is claimed with nothing reserved; an agent after it reserves', async () => {
    const { tasks, queue, breakers, audit } = stores();
    await tasks.create(aTask({ id: 't1' }), null, []);
    await tasks.create(agent('t2'), null, []);
    const first = await queue.claimWithinBudget(request(), budget());
    expect(first).toMatchObject({
      claim: { task: { id: 't1', status: 'running' } },
      blocked: null,
    });
    expect(first.claim?.stage).toMatchObject({ taskId: 't1', outcome: 'running' });
    expect((await audit.listBySubject('task:t1', 10)).map((e) => e.action)).toEqual([
      'task.claimed',
    ]);
    // Nothing reserved (the libSQL queue does not even write the day's row for it).
    expect((await breakers.get(DAY.key))?.reservedUsd ?? 0).toBe(0);
    const second = await queue.claimWithinBudget(request(), budget());
    expect(second.claim?.task.id).toBe('t2');
    expect(await breakers.get(DAY.key)).toMatchObject({ reservedUsd: 0.5 });
  });

  it('fits exactly at the limit; blocks the oldest misfit and still claims work that fits', async () => {
    const { tasks, queue, breakers, stages, audit } = stores();
    await breakers.save({ ...DAY, spentUsd: 19, reservedUsd: 0.5 });
    await tasks.create(agent('t1'), null, []);
    await tasks.create(agent('t2'), null, []);
    await tasks.create(aTask({ id: 't3' }), null, []);
    const first = await queue.claimWithinBudget(request(), budget());
    expect(first.claim?.task.id).toBe('t1');
    expect(await breakers.get(DAY.key)).toMatchObject({ reservedUsd: 1 });
    const b = budget();
    const second = await queue.claimWithinBudget(request(), b);
    expect(second.blocked).toMatchObject({ id: 't2', status: 'failed', attempts: 1 });
    expect(second.claim?.task.id).toBe('t3');
    expect((await tasks.get('t2'))?.status).toBe('failed');
    expect(await stages.listByTask('t2')).toEqual([
      expect.objectContaining({
        id: b.blockStageId,
        outcome: 'failed',
        errorClass: 'blocked_by_breaker',
        summary: 'no room today',
        costUsd: 0,
      }),
    ]);
    expect((await audit.listBySubject('task:t2', 10)).map((e) => e.action)).toEqual([
      'task.blocked',
    ]);
    expect(await breakers.get(DAY.key)).toMatchObject({ reservedUsd: 1, spentUsd: 19 });
  });

  it('after commands, an agent at the head of the queue still reserves, or is blocked when it does not fit', async () => {
    const { tasks, queue, breakers, audit } = stores();
    await breakers.save({ ...DAY, spentUsd: 19 });
    await tasks.create(aTask({ id: 't1' }), null, []);
    await tasks.create(aTask({ id: 't2' }), null, []);
    await tasks.create(agent('t3', 'claude-opus'), null, []); // $3: no room
    await tasks.create(agent('t4'), null, []); // $0.50: fits
    const claimed: string[] = [];
    const blocked: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await queue.claimWithinBudget(request(), budget());
      if (r.claim) claimed.push(r.claim.task.id);
      if (r.blocked) blocked.push(r.blocked.id);
    }
    expect(claimed).toEqual(['t1', 't2', 't4']);
    expect(blocked).toEqual(['t3']);
    expect(await breakers.get(DAY.key)).toMatchObject({ spentUsd: 19, reservedUsd: 0.5 });
    expect((await audit.listBySubject('task:t3', 10)).map((e) => e.action)).toEqual([
      'task.blocked',
    ]);
    await tasks.create(aTask({ id: 't5' }), null, []);
    expect((await queue.claimWithinBudget(request(), budget())).claim?.task.id).toBe('t5');
  });

  it('an overridden day lets every dispatch through', async () => {
    const { tasks, queue, breakers } = stores();
    await breakers.save({ ...DAY, spentUsd: 30, overriddenBy: 'u-owner' });
    await tasks.create(agent('t1'), null, []);
    expect((await queue.claimWithinBudget(request(), budget())).claim?.task.id).toBe('t1');
  });

  it('concurrent budgeted claims never reserve past the day limit', async () => {
    const { tasks, queue, breakers } = stores();
    await breakers.save({ ...DAY, spentUsd: 19.8 });
    for (let i = 0; i < 12; i++)
      await tasks.create(agent(`t${i.toString().padStart(2, '0')}`), null, []);
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        queue.claimWithinBudget(
          request({ runnerId: `r${i}` }),
          budget({ estimateUsd: {}, defaultEstimateUsd: 0.1 }),
        ),
      ),
    );
    const claimed = results.filter((r) => r.claim).length;
    expect(claimed).toBe(2);
    const day = await breakers.get(DAY.key);
    expect(day!.spentUsd + day!.reservedUsd).toBeLessThanOrEqual(20 + 1e-9);
  });
});
