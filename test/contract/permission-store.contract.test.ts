import { describe, expect, it } from 'vitest';
import type { PermissionRequest } from '../../src/core/permission.js';
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

describe.each(IMPLEMENTATIONS)('PermissionStore contract (%s)', (_name, make) => {
  const stores = useStores(make);

  it('stores a request and reads it back with its input intact', async () => {
    const { permissions } = stores();
    await permissions.create(request({ id: 'p1' }));
    expect(await permissions.get('p1')).toEqual(request({ id: 'p1' }));
    expect(await permissions.get('nope')).toBeNull();
  });

  it('decides once while pending and unexpired; a second or late decision changes nothing', async () => {
    const { permissions } = stores();
    await permissions.create(request({ id: 'p1' }));
    await permissions.create(request({ id: 'p2' }));
    const at = '2026-01-01T00:01:00.000Z';
    expect(await permissions.decide({ id: 'p1', status: 'allowed', decidedBy: 'ann', at })).toEqual(
      request({ id: 'p1', status: 'allowed', decidedBy: 'ann', decidedAt: at }),
    );
    expect(
      await permissions.decide({ id: 'p1', status: 'denied', decidedBy: 'bob', at }),
    ).toBeNull();
    expect((await permissions.get('p1'))?.status).toBe('allowed');
    // At the expiry instant it is too late.
    expect(
      await permissions.decide({
        id: 'p2',
        status: 'allowed',
        decidedBy: 'ann',
        at: '2026-01-01T00:02:00.000Z',
      }),
    ).toBeNull();
    expect(
      await permissions.decide({ id: 'missing', status: 'allowed', decidedBy: 'ann', at }),
    ).toBeNull();
  });

  it('expires only pending, overdue requests, and lists the overdue ones soonest first', async () => {
    const { permissions } = stores();
    await permissions.create(request({ id: 'late', expiresAt: '2026-01-01T00:03:00.000Z' }));
    await permissions.create(request({ id: 'soon', expiresAt: '2026-01-01T00:01:00.000Z' }));
    await permissions.create(request({ id: 'done', expiresAt: '2026-01-01T00:01:00.000Z' }));
    await permissions.decide({
      id: 'done',
      status: 'denied',
      decidedBy: 'ann',
      at: '2026-01-01T00:00:30.000Z',
    });
    expect(await permissions.listOverdue('2026-01-01T00:00:59.999Z', 10)).toEqual([]);
    expect(
      (await permissions.listOverdue('2026-01-01T00:05:00.000Z', 10)).map((r) => r.id),
    ).toEqual(['soon', 'late']);
    expect(await permissions.expire('late', '2026-01-01T00:02:59.999Z')).toBeNull();
    expect(await permissions.expire('done', '2026-01-01T00:05:00.000Z')).toBeNull();
    expect(await permissions.expire('soon', '2026-01-01T00:01:00.000Z')).toMatchObject({
      status: 'expired',
      decidedAt: '2026-01-01T00:01:00.000Z',
      decidedBy: null,
    });
    expect(await permissions.expire('soon', '2026-01-01T00:09:00.000Z')).toBeNull();
    expect(
      (await permissions.listOverdue('2026-01-01T00:05:00.000Z', 10)).map((r) => r.id),
    ).toEqual(['late']);
  });
});
