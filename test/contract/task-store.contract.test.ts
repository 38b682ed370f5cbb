import { describe, expect, it } from 'vitest';
import { EMPTY_STAGE_RESULT } from '../../src/core/stage.js';
import { aTask, anApproval, anAuditEvent } from '../helpers/builders.js';
import { chunksOf, OUTPUT_CHUNK_CHARS } from '../../src/db/repositories/task-store.js';
import { IMPLEMENTATIONS, useStores } from './implementations.js';

const T1 = '2026-01-01T00:01:00.000Z';

describe.each(IMPLEMENTATIONS)('TaskStore contract (%s)', (_name, make) => {
  const stores = useStores(make);

  it('stores a task with its approval and audit trail and reads it back unchanged', async () => {
    const { tasks, approvals, audit } = stores();
    const task = aTask({
      id: 't1',
      status: 'awaiting_approval',
      params: { env: 'x', n: 2, on: true },
      argv: ['ls', '-la'],
    });
    await tasks.create(task, anApproval({ id: 'a1', taskId: 't1' }), [
      anAuditEvent({ id: 'e1', subject: 'task:t1' }),
    ]);
    expect(await tasks.get('t1')).toEqual(task);
    expect(await approvals.pendingForTask('t1')).toMatchObject({ id: 'a1', status: 'pending' });
    expect((await audit.listBySubject('task:t1', 10)).map((e) => e.id)).toEqual(['e1']);
    expect(await tasks.get('missing')).toBeNull();
  });

  it('finds tasks by the end of their id (a chat short reference), newest first', async () => {
    const { tasks } = stores();
    const ids = [
      '01a20286-4597-76c3-aed0-aa8a3b49479c',
      '01a20286-4598-76c3-aed0-bb8a3b49479c',
      '01a20286-4599-76c3-aed0-cc8a12345678',
    ];
    for (const id of ids) await tasks.create(aTask({ id, argv: ['a_b%c'] }), null, []);
    expect((await tasks.findBySuffix('3b49479c', 10)).map((t) => t.id)).toEqual([ids[1], ids[0]]);
    expect((await tasks.findBySuffix('a12345678', 10)).map((t) => t.id)).toEqual([ids[2]]);
    expect(await tasks.findBySuffix('3b49479c', 1)).toHaveLength(1);
    // LIKE wildcards in a reference match nothing but themselves.
    expect(await tasks.findBySuffix('%', 10)).toEqual([]);
    expect(await tasks.findBySuffix('_9c', 10)).toEqual([]);
  });

  it('lists newest first with filters and a cursor that walks every page once', async () => {
    const { tasks } = stores();
    for (let i = 1; i <= 7; i++) {
      await tasks.create(
        aTask({
          id: `t${i}`,
          host: i % 2 ? 'odd' : 'even',
          status: i === 7 ? 'running' : 'queued',
        }),
        null,
        [],
      );
    }
    const first = await tasks.list({ limit: 3 });
    expect(first.items.map((t) => t.id)).toEqual(['t7', 't6', 't5']);
    const second = await tasks.list({ limit: 3, after: first.nextCursor ?? '' });
    expect(second.items.map((t) => t.id)).toEqual(['t4', 't3', 't2']);
    const third = await tasks.list({ limit: 3, after: second.nextCursor ?? '' });
    expect(third.items.map((t) => t.id)).toEqual(['t1']);
    expect(third.nextCursor).toBeNull();
    const odd = await tasks.list({ limit: 10, host: 'odd', status: ['queued'] });
    expect(odd.items.map((t) => t.id)).toEqual(['t5', 't3', 't1']);
  });

  it('applies a move only from an allowed state, deciding the approval and auditing it', async () => {
    const { tasks, approvals, audit } = stores();
    await tasks.create(
      aTask({ id: 't1', status: 'awaiting_approval' }),
      anApproval({ id: 'a1', taskId: 't1' }),
      [],
    );
    const decision = {
      status: 'approved' as const,
      decidedBy: 'ops',
      decidedChannel: 'telegram' as const,
      decidedAt: T1,
      reason: null,
    };
    const moved = await tasks.transition({
      taskId: 't1',
      from: ['awaiting_approval'],
      to: 'queued',
      at: T1,
      changeId: 'c1',
      approval: decision,
      audit: [anAuditEvent({ id: 'e1', subject: 'task:t1', action: 'task.approved' })],
    });
    expect(moved).toMatchObject({ id: 't1', status: 'queued', updatedAt: T1, finishedAt: null });
    expect((await approvals.listByTask('t1'))[0]).toMatchObject({
      status: 'approved',
      decidedBy: 'ops',
      decidedAt: T1,
    });

    const again = await tasks.transition({
      taskId: 't1',
      from: ['awaiting_approval'],
      to: 'queued',
      at: T1,
      changeId: 'c2',
      approval: decision,
      audit: [anAuditEvent({ id: 'e2', subject: 'task:t1', action: 'task.approved' })],
    });
    expect(again).toBeNull();
    expect((await audit.listBySubject('task:t1', 10)).map((e) => e.id)).toEqual(['e1']);
  });

  it('refuses a report with a stale fencing token and leaves no trace of it', async () => {
    const { tasks, queue, audit, stages } = stores();
    await tasks.create(aTask({ id: 't1' }), null, []);
    const claim = await queue.claim({
      runnerId: 'r1',
      hosts: ['local'],
      now: T1,
      leaseExpiresAt: '2026-01-01T00:02:00.000Z',
      changeId: 'c1',
      stageId: 's1',
      auditId: 'e1',
    });
    expect(claim?.lease.fencingToken).toBe(1);
    const stale = await tasks.transition({
      taskId: 't1',
      from: ['running'],
      to: 'succeeded',
      at: T1,
      changeId: 'c2',
      fencingToken: 0,
      stage: { outcome: 'succeeded', result: { ...EMPTY_STAGE_RESULT, costUsd: 1 } },
      audit: [anAuditEvent({ id: 'e2', subject: 'task:t1', action: 'task.succeeded' })],
    });
    expect(stale).toBeNull();
    expect((await tasks.get('t1'))?.status).toBe('running');
    expect((await stages.listByTask('t1'))[0]?.outcome).toBe('running');
    expect((await audit.listBySubject('task:t1', 10)).map((e) => e.action)).toEqual([
      'task.claimed',
    ]);
  });

  it('closes the open stage, adds its cost and clears the lease when a run ends', async () => {
    const { tasks, queue, stages } = stores();
    await tasks.create(aTask({ id: 't1', costUsd: 0.5 }), null, []);
    await queue.claim({
      runnerId: 'r1',
      hosts: ['local'],
      now: T1,
      leaseExpiresAt: '2026-01-01T00:02:00.000Z',
      changeId: 'c1',
      stageId: 's1',
      auditId: 'e1',
    });
    const result = {
      ...EMPTY_STAGE_RESULT,
      exitCode: 0,
      costUsd: 0.25,
      tokensIn: 10,
      tokensOut: 20,
      stdoutTail: 'ok',
      latencyMs: 42,
    };
    const done = await tasks.transition({
      taskId: 't1',
      from: ['running'],
      to: 'succeeded',
      at: '2026-01-01T00:01:30.000Z',
      changeId: 'c2',
      fencingToken: 1,
      stage: { outcome: 'succeeded', result },
      audit: [],
    });
    expect(done).toMatchObject({
      status: 'succeeded',
      costUsd: 0.75,
      tokensIn: 10,
      tokensOut: 20,
      leaseOwner: null,
      leaseExpiresAt: null,
      finishedAt: '2026-01-01T00:01:30.000Z',
    });
    expect((await stages.listByTask('t1'))[0]).toMatchObject({
      id: 's1',
      outcome: 'succeeded',
      exitCode: 0,
      costUsd: 0.25,
      stdoutTail: 'ok',
      latencyMs: 42,
      finishedAt: '2026-01-01T00:01:30.000Z',
    });
  });

  it('stores the capped output with the completion of the attempt it belongs to, and only then', async () => {
    const { tasks, queue, stages } = stores();
    await tasks.create(aTask({ id: 't1' }), null, []);
    const claimOnce = (n: number) =>
      queue.claim({
        runnerId: 'r1',
        hosts: ['local'],
        now: T1,
        leaseExpiresAt: '2026-01-01T00:02:00.000Z',
        changeId: `claim-${n}`,
        stageId: `s${n}`,
        auditId: `claimed-${n}`,
      });
    const output = {
      stdout: 'héllo\n… 10 bytes omitted …\nend\n',
      stderr: 'warn: ✓\n',
      stdoutBytes: 30,
      stderrBytes: 10,
      truncated: true,
    };
    const end = (n: number, fencingToken: number, to: 'failed' | 'succeeded') =>
      tasks.transition({
        taskId: 't1',
        from: ['running'],
        to,
        at: T1,
        changeId: `end-${n}`,
        fencingToken,
        stage: { outcome: to, result: EMPTY_STAGE_RESULT, output: { ...output, stdout: `#${n}` } },
        audit: [],
      });
    const first = await claimOnce(1);
    expect(await end(1, first?.lease.fencingToken ?? -1, 'failed')).not.toBeNull();
    // A refused report (stale token) stores no output.
    await tasks.transition({
      taskId: 't1',
      from: ['failed'],
      to: 'queued',
      at: T1,
      changeId: 'retry',
      audit: [],
    });
    const second = await claimOnce(2);
    expect(await end(9, 1, 'succeeded')).toBeNull();
    expect(await stages.output('t1', 2)).toBeNull();
    expect(await end(2, second?.lease.fencingToken ?? -1, 'succeeded')).not.toBeNull();

    expect(await stages.output('t1', 1)).toEqual({ ...output, stdout: '#1' });
    expect(await stages.output('t1', 2)).toEqual({ ...output, stdout: '#2' });
    expect(await stages.output('t1', 3)).toBeNull();
    expect(await stages.output('missing', 1)).toBeNull();
  });

  it('stores the output byte for byte, multi-byte text and a large body included', async () => {
    const { tasks, queue, stages } = stores();
    await tasks.create(aTask({ id: 't1' }), null, []);
    const claim = await queue.claim({
      runnerId: 'r1',
      hosts: ['local'],
      now: T1,
      leaseExpiresAt: '2026-01-01T00:02:00.000Z',
      changeId: 'c1',
      stageId: 's1',
      auditId: 'e1',
    });
    const big = 'ünïcødé 🚀 line\n'.repeat(100_000);
    const output = {
      stdout: big,
      stderr: '',
      stdoutBytes: Buffer.byteLength(big),
      stderrBytes: 0,
      truncated: false,
    };
    await tasks.transition({
      taskId: 't1',
      from: ['running'],
      to: 'succeeded',
      at: T1,
      changeId: 'c2',
      fencingToken: claim?.lease.fencingToken ?? -1,
      stage: { outcome: 'succeeded', result: EMPTY_STAGE_RESULT, output },
      audit: [],
    });
    const stored = await stages.output('t1', 1);
    expect(stored?.stdout.length).toBe(big.length);
    expect(stored?.stdout === big).toBe(true);
    expect(stored?.stdoutBytes).toBe(Buffer.byteLength(big));
  });

  it('applies the reaper guard only to leases that really expired', async () => {
    const { tasks, queue } = stores();
    await tasks.create(aTask({ id: 't1' }), null, []);
    await queue.claim({
      runnerId: 'r1',
      hosts: ['local'],
      now: T1,
      leaseExpiresAt: '2026-01-01T00:02:00.000Z',
      changeId: 'c1',
      stageId: 's1',
      auditId: 'e1',
    });
    const base = {
      taskId: 't1',
      from: ['running' as const],
      to: 'lost' as const,
      at: T1,
      fencingToken: 1,
      audit: [],
    };
    expect(
      await tasks.transition({
        ...base,
        changeId: 'c2',
        leaseExpiredBy: '2026-01-01T00:01:59.999Z',
      }),
    ).toBeNull();
    expect(
      await tasks.transition({
        ...base,
        changeId: 'c3',
        leaseExpiredBy: '2026-01-01T00:02:00.000Z',
      }),
    ).toMatchObject({ status: 'lost' });
  });
});

describe('stored output pieces', () => {
  it('splits long text into pieces that join back exactly, never inside a surrogate pair', () => {
    // An emoji is two UTF-16 units; an odd prefix puts a pair across every piece boundary.
    const text = `x${'🚀'.repeat(OUTPUT_CHUNK_CHARS)}`;
    const pieces = chunksOf(text);
    expect(pieces.length).toBeGreaterThan(2);
    expect(pieces.join('')).toBe(text);
    for (const piece of pieces) {
      expect(piece.length).toBeLessThanOrEqual(OUTPUT_CHUNK_CHARS);
      // No lone surrogate at either end of a piece.
      expect(piece).not.toMatch(/^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/);
    }
    expect(chunksOf('')).toEqual([]);
    expect(chunksOf('short')).toEqual(['short']);
  });
});
