import { describe, expect, it } from 'vitest';
import { aTask, anApproval, anAuditEvent } from '../helpers/builders.js';
import { IMPLEMENTATIONS, useStores } from './implementations.js';

describe.each(IMPLEMENTATIONS)(
  'ApprovalStore, AuditLog, BreakerStore contracts (%s)',
  (_name, make) => {
    const stores = useStores(make);

    it('lists pending approvals that expired by a given time, soonest first', async () => {
      const { tasks, approvals } = stores();
      await tasks.create(
        aTask({ id: 't1', status: 'awaiting_approval' }),
        anApproval({ id: 'a1', taskId: 't1', expiresAt: '2026-01-01T00:20:00.000Z' }),
        [],
      );
      await tasks.create(
        aTask({ id: 't2', status: 'awaiting_approval' }),
        anApproval({ id: 'a2', taskId: 't2', expiresAt: '2026-01-01T00:10:00.000Z' }),
        [],
      );
      expect(await approvals.listExpired('2026-01-01T00:09:59.999Z', 10)).toEqual([]);
      expect(
        (await approvals.listExpired('2026-01-01T00:30:00.000Z', 10)).map((a) => a.id),
      ).toEqual(['a2', 'a1']);
      expect((await approvals.listExpired('2026-01-01T00:30:00.000Z', 1)).map((a) => a.id)).toEqual(
        ['a2'],
      );
      expect(await approvals.listByTask('t1')).toEqual([
        anApproval({ id: 'a1', taskId: 't1', expiresAt: '2026-01-01T00:20:00.000Z' }),
      ]);
      expect(await approvals.pendingForTask('none')).toBeNull();
    });

    it('appends audit events and reads a subject back in order, with its detail intact', async () => {
      const { audit } = stores();
      await audit.append(
        anAuditEvent({
          id: 'e2',
          subject: 'task:a',
          at: '2026-01-01T00:00:02.000Z',
          detail: { n: 1, s: 'x', nested: { ok: true } },
        }),
      );
      await audit.append(
        anAuditEvent({ id: 'e1', subject: 'task:a', at: '2026-01-01T00:00:01.000Z' }),
      );
      await audit.append(anAuditEvent({ id: 'e3', subject: 'task:b' }));
      const trail = await audit.listBySubject('task:a', 10);
      expect(trail.map((e) => e.id)).toEqual(['e1', 'e2']);
      expect(trail[1]?.detail).toEqual({ n: 1, s: 'x', nested: { ok: true } });
      expect(await audit.listBySubject('task:a', 1)).toHaveLength(1);
    });

    it('saves breakers by key, replacing the previous state', async () => {
      const { breakers } = stores();
      const day = {
        key: 'day:2026-01-01',
        scope: 'day' as const,
        period: '2026-01-01',
        thresholdUsd: 20,
        spentUsd: 1,
        reservedUsd: 0,
        state: 'ok' as const,
        overriddenBy: null,
        updatedAt: '2026-01-01T00:00:00.000Z',
      };
      await breakers.save(day);
      await breakers.save({ ...day, spentUsd: 21, state: 'open' });
      await breakers.save({
        ...day,
        key: 'month:2026-01',
        scope: 'month',
        period: '2026-01',
        thresholdUsd: 80,
      });
      expect(await breakers.get('day:2026-01-01')).toEqual({ ...day, spentUsd: 21, state: 'open' });
      expect((await breakers.list()).map((b) => b.key)).toEqual([
        'day:2026-01-01',
        'month:2026-01',
      ]);
      expect(await breakers.get('nope')).toBeNull();
    });
  },
);
