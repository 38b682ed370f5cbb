import { describe, expect, it } from 'vitest';
import type { AuditAction } from '../../src/core/audit.js';
import type { PermissionRequest } from '../../src/core/permission.js';
import { anAuditEvent } from '../helpers/builders.js';
import { IMPLEMENTATIONS, useStores } from './implementations.js';

const request = (overrides: Partial<PermissionRequest> & Pick<PermissionRequest, 'id'>) => ({
  taskId: '01900000-0000-7000-8000-000000000001',
  toolName: 'Bash',
  input: { command: 'npm test', nested: { n: 1, ok: true } },
  status: 'pending' as const,
  requester: 'agent:01900000-0000-7000-8000-000000000001',
  decidedBy: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  expiresAt: '2026-01-01T00:02:00.000Z',
  decidedAt: null,
  ...overrides,
});

let n = 0;
/** An audit entry about request `id`, with a fresh id. */
const entry = (id: string, action: AuditAction = 'permission.requested') =>
  anAuditEvent({ id: `e-${String(++n).padStart(4, '0')}`, subject: `permission:${id}`, action });

describe.each(IMPLEMENTATIONS)('PermissionStore contract (%s)', (_name, make) => {
  const stores = useStores(make);
  const trail = async (id: string) =>
    (await stores().audit.listBySubject(`permission:${id}`, 10)).map((e) => e.action);

  it('stores a request with its audit entry and reads it back with its input intact', async () => {
    const { permissions } = stores();
    await permissions.create(request({ id: 'p1' }), entry('p1'));
    expect(await permissions.get('p1')).toEqual(request({ id: 'p1' }));
    expect(await permissions.get('nope')).toBeNull();
    expect(await trail('p1')).toEqual(['permission.requested']);
  });

  it('decides once while pending and unexpired; a second or late decision changes and audits nothing', async () => {
    const { permissions } = stores();
    await permissions.create(request({ id: 'p1' }), entry('p1'));
    await permissions.create(request({ id: 'p2' }), entry('p2'));
    const at = '2026-01-01T00:01:00.000Z';
    expect(
      await permissions.decide(
        { id: 'p1', status: 'allowed', decidedBy: 'ann', at },
        entry('p1', 'permission.allowed'),
      ),
    ).toEqual(request({ id: 'p1', status: 'allowed', decidedBy: 'ann', decidedAt: at }));
    expect(
      await permissions.decide(
        { id: 'p1', status: 'denied', decidedBy: 'bob', at },
        entry('p1', 'permission.denied'),
      ),
    ).toBeNull();
    expect((await permissions.get('p1'))?.status).toBe('allowed');
    expect(await trail('p1')).toEqual(['permission.requested', 'permission.allowed']);
    // At the expiry instant it is too late.
    expect(
      await permissions.decide(
        { id: 'p2', status: 'allowed', decidedBy: 'ann', at: '2026-01-01T00:02:00.000Z' },
        entry('p2', 'permission.allowed'),
      ),
    ).toBeNull();
    expect(await trail('p2')).toEqual(['permission.requested']);
    expect(
      await permissions.decide(
        { id: 'missing', status: 'allowed', decidedBy: 'ann', at },
        entry('missing', 'permission.allowed'),
      ),
    ).toBeNull();
    expect(await trail('missing')).toEqual([]);
  });

  it('expires only pending, overdue requests, and lists the overdue ones soonest first', async () => {
    const { permissions } = stores();
    await permissions.create(
      request({ id: 'late', expiresAt: '2026-01-01T00:03:00.000Z' }),
      entry('late'),
    );
    await permissions.create(
      request({ id: 'soon', expiresAt: '2026-01-01T00:01:00.000Z' }),
      entry('soon'),
    );
    await permissions.create(
      request({ id: 'done', expiresAt: '2026-01-01T00:01:00.000Z' }),
      entry('done'),
    );
    await permissions.decide(
      { id: 'done', status: 'denied', decidedBy: 'ann', at: '2026-01-01T00:00:30.000Z' },
      entry('done', 'permission.denied'),
    );
    expect(await permissions.listOverdue('2026-01-01T00:00:59.999Z', 10)).toEqual([]);
    expect(
      (await permissions.listOverdue('2026-01-01T00:05:00.000Z', 10)).map((r) => r.id),
    ).toEqual(['soon', 'late']);
    const expire = (id: string, at: string) =>
      permissions.expire(id, at, entry(id, 'permission.expired'));
    expect(await expire('late', '2026-01-01T00:02:59.999Z')).toBeNull();
    expect(await expire('done', '2026-01-01T00:05:00.000Z')).toBeNull();
    expect(await expire('soon', '2026-01-01T00:01:00.000Z')).toMatchObject({
      status: 'expired',
      decidedAt: '2026-01-01T00:01:00.000Z',
      decidedBy: null,
    });
    expect(await expire('soon', '2026-01-01T00:09:00.000Z')).toBeNull();
    expect(
      (await permissions.listOverdue('2026-01-01T00:05:00.000Z', 10)).map((r) => r.id),
    ).toEqual(['late']);
    expect(await trail('soon')).toEqual(['permission.requested', 'permission.expired']);
    expect(await trail('late')).toEqual(['permission.requested']);
    expect(await trail('done')).toEqual(['permission.requested', 'permission.denied']);
  });
});
