import { describe, expect, it } from 'vitest';
import { createMemoryWebSessions } from '../../src/core/fakes/memory-web-sessions.js';
import type { WebSessions } from '../../src/core/ports/web-sessions.js';
import type { WebSession } from '../../src/core/web/session.js';
import { createWebSessionStore } from '../../src/db/repositories/web-sessions.js';
import { createTempDb } from '../helpers/temp-db.js';

const IMPLS: ReadonlyArray<
  readonly [string, () => Promise<{ store: WebSessions; dispose(): void }>]
> = [
  ['memory', async () => ({ store: createMemoryWebSessions(), dispose: () => {} })],
  [
    'libsql file',
    async () => {
      const db = await createTempDb();
      return { store: createWebSessionStore(db.db), dispose: () => db.dispose() };
    },
  ],
];

const session = (idHash: string, over: Partial<WebSession> = {}): WebSession => ({
  idHash,
  userName: 'ops',
  method: 'link',
  createdAt: '2026-01-01T00:00:00.000Z',
  expiresAt: '2026-01-08T00:00:00.000Z',
  revokedAt: null,
  ...over,
});

describe.each(IMPLS)('WebSessions contract (%s)', (_name, make) => {
  it('finds a live session by hash only, until it expires or is revoked', async () => {
    const { store, dispose } = await make();
    try {
      await store.create(session('a'));
      await store.create(session('b', { method: 'admin_token', userName: 'admin' }));
      expect(await store.find('a', '2026-01-02T00:00:00.000Z')).toEqual(session('a'));
      expect(await store.find('zzz', '2026-01-02T00:00:00.000Z')).toBeNull();
      expect(await store.find('a', '2026-01-08T00:00:00.000Z')).toBeNull();
      await store.revoke('b', '2026-01-03T00:00:00.000Z');
      await store.revoke('b', '2026-01-04T00:00:00.000Z');
      expect(await store.find('b', '2026-01-03T00:00:00.000Z')).toBeNull();
      await expect(store.create(session('a'))).rejects.toThrow();
    } finally {
      dispose();
    }
  });

  it('prunes sessions that ended before a time, and keeps the rest', async () => {
    const { store, dispose } = await make();
    try {
      await store.create(session('old', { expiresAt: '2026-01-02T00:00:00.000Z' }));
      await store.create(session('out'));
      await store.create(session('live'));
      await store.revoke('out', '2026-01-01T12:00:00.000Z');
      await store.prune('2026-01-03T00:00:00.000Z');
      // find() would hide them anyway; prune must not take the live one.
      expect(await store.find('live', '2026-01-03T00:00:00.000Z')).not.toBeNull();
      await store.create(session('old', { expiresAt: '2026-01-09T00:00:00.000Z' }));
      await store.create(session('out', { expiresAt: '2026-01-09T00:00:00.000Z' }));
      expect(await store.find('old', '2026-01-03T00:00:00.000Z')).not.toBeNull();
    } finally {
      dispose();
    }
  });
});
