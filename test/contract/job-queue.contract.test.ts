import { describe, expect, it } from 'vitest';
import type { ClaimRequest } from '../../src/core/ports/job-queue.js';
import { aTask } from '../helpers/builders.js';
import { IMPLEMENTATIONS, useStores } from './implementations.js';

const NOW = '2026-01-01T00:01:00.000Z';
const LEASE_END = '2026-01-01T00:01:30.000Z';
let n = 0;
const request = (over: Partial<ClaimRequest> = {}): ClaimRequest => {
  n++;
  return {
    runnerId: 'r1',
    hosts: ['local'],
    now: NOW,
    leaseExpiresAt: LEASE_END,
    changeId: `c${n}`,
    stageId: `s${n}`,
    auditId: `e${n}`,
    ...over,
  };
};

describe.each(IMPLEMENTATIONS)('JobQueue contract (%s)', (_name, make) => {
  const stores = useStores(make);

  it('claims the oldest queued task under a lease, opens a stage and audits it', async () => {
    const { tasks, queue, stages, audit } = stores();
    await tasks.create(aTask({ id: 't2' }), null, []);
    await tasks.create(aTask({ id: 't1' }), null, []);
    await tasks.create(aTask({ id: 't0', status: 'awaiting_approval' }), null, []);
    expect(await queue.depth()).toBe(2);
    const claim = await queue.claim(request({ stageId: 'sx', auditId: 'ex' }));
    expect(claim?.task).toMatchObject({
      id: 't1',
      status: 'running',
      attempts: 1,
      fencingToken: 1,
      leaseOwner: 'r1',
      leaseExpiresAt: LEASE_END,
    });
    expect(claim?.lease).toEqual({
      taskId: 't1',
      runnerId: 'r1',
      fencingToken: 1,
      expiresAt: LEASE_END,
    });
    expect(await stages.listByTask('t1')).toEqual([claim?.stage]);
    expect(claim?.stage).toMatchObject({
      id: 'sx',
      attempt: 1,
      fencingToken: 1,
      runnerId: 'r1',
      outcome: 'running',
      startedAt: NOW,
    });
    expect(await audit.listBySubject('task:t1', 10)).toEqual([
      {
        id: 'ex',
        at: NOW,
        actor: 'r1',
        channel: 'runner',
        action: 'task.claimed',
        subject: 'task:t1',
        detail: { attempt: 1, fencing_token: 1 },
      },
    ]);
    expect(await queue.depth()).toBe(1);
  });

  it('returns null when nothing is queued for the hosts this runner serves', async () => {
    const { tasks, queue } = stores();
    expect(await queue.claim(request())).toBeNull();
    await tasks.create(aTask({ id: 't1', host: 'build-vm' }), null, []);
    expect(await queue.claim(request({ hosts: ['mac'] }))).toBeNull();
    // No hosts is no work: there is no "any host".
    expect(await queue.claim(request({ hosts: [] }))).toBeNull();
    expect((await queue.claim(request({ hosts: ['mac', 'build-vm'] })))?.task.id).toBe('t1');
  });

  it('never hands one task to two claimers', async () => {
    const { tasks, queue } = stores();
    for (let i = 0; i < 5; i++) await tasks.create(aTask({ id: `t${i}` }), null, []);
    const claims = await Promise.all(
      Array.from({ length: 8 }, (_, i) => queue.claim(request({ runnerId: `r${i}` }))),
    );
    const ids = claims.flatMap((c) => (c ? [c.task.id] : []));
    expect(ids.sort()).toEqual(['t0', 't1', 't2', 't3', 't4']);
  });

  it('extends a live lease and refuses stale tokens and expired leases', async () => {
    const { tasks, queue } = stores();
    await tasks.create(aTask({ id: 't1' }), null, []);
    await queue.claim(request());
    const later = '2026-01-01T00:02:00.000Z';
    expect(
      await queue.heartbeat({ taskId: 't1', fencingToken: 1, now: NOW, leaseExpiresAt: later }),
    ).toEqual({
      taskId: 't1',
      runnerId: 'r1',
      fencingToken: 1,
      expiresAt: later,
    });
    expect(
      await queue.heartbeat({ taskId: 't1', fencingToken: 2, now: NOW, leaseExpiresAt: later }),
    ).toBeNull();
    expect(
      await queue.heartbeat({
        taskId: 't1',
        fencingToken: 1,
        now: later,
        leaseExpiresAt: '2026-01-01T00:03:00.000Z',
      }),
    ).toBeNull();
    expect(
      await queue.heartbeat({ taskId: 'nope', fencingToken: 1, now: NOW, leaseExpiresAt: later }),
    ).toBeNull();
  });

  it('lists running tasks whose lease has expired, oldest first', async () => {
    const { tasks, queue } = stores();
    await tasks.create(aTask({ id: 't1' }), null, []);
    await tasks.create(aTask({ id: 't2' }), null, []);
    await queue.claim(request());
    await queue.claim(request({ leaseExpiresAt: '2026-01-01T00:05:00.000Z' }));
    expect((await queue.expiredLeases('2026-01-01T00:01:29.000Z', 10)).map((t) => t.id)).toEqual(
      [],
    );
    expect((await queue.expiredLeases(LEASE_END, 10)).map((t) => t.id)).toEqual(['t1']);
    expect((await queue.expiredLeases('2026-01-01T01:00:00.000Z', 10)).map((t) => t.id)).toEqual([
      't1',
      't2',
    ]);
  });
});
