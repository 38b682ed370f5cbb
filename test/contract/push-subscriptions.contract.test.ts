import { describe, expect, it } from 'vitest';
import { createMemoryPushSubscriptions } from '../../src/core/fakes/memory-push-subscriptions.js';
import type {
  PushSubscriptionRecord,
  PushSubscriptions,
} from '../../src/core/ports/push-subscriptions.js';
import { createPushSubscriptionStore } from '../../src/db/repositories/push-subscriptions.js';
import { createTempDb } from '../helpers/temp-db.js';

const IMPLS: ReadonlyArray<
  readonly [string, () => Promise<{ store: PushSubscriptions; dispose(): void }>]
> = [
  ['memory', async () => ({ store: createMemoryPushSubscriptions(), dispose: () => {} })],
  [
    'libsql file, statement-caching client',
    async () => {
      const db = await createTempDb('auto');
      return { store: createPushSubscriptionStore(db.db), dispose: () => db.dispose() };
    },
  ],
  [
    'libsql file, @libsql/client',
    async () => {
      const db = await createTempDb('libsql-client');
      return { store: createPushSubscriptionStore(db.db), dispose: () => db.dispose() };
    },
  ],
];

const sub = (id: string, over: Partial<PushSubscriptionRecord> = {}): PushSubscriptionRecord => ({
  id,
  endpoint: `https://push.example/send/${id}`,
  p256dh: `key-${id}`,
  auth: `auth-${id}`,
  userName: 'ops',
  role: 'approver',
  createdAt: `2026-01-01T00:00:0${id.length}.000Z`,
  lastSuccessAt: null,
  failureCount: 0,
  ...over,
});

describe.each(IMPLS)('PushSubscriptions contract (%s)', (_name, make) => {
  const withStore = (body: (store: PushSubscriptions) => Promise<void>) => async () => {
    const { store, dispose } = await make();
    try {
      await body(store);
    } finally {
      dispose();
    }
  };

  it(
    'saves and lists subscriptions in creation order',
    withStore(async (store) => {
      await store.save(sub('b', { createdAt: '2026-01-02T00:00:00.000Z' }));
      await store.save(sub('a', { createdAt: '2026-01-01T00:00:00.000Z', role: 'owner' }));
      expect(await store.list()).toEqual([
        sub('a', { createdAt: '2026-01-01T00:00:00.000Z', role: 'owner' }),
        sub('b', { createdAt: '2026-01-02T00:00:00.000Z' }),
      ]);
    }),
  );

  it(
    'a second save of an endpoint replaces keys, person and counters, keeping id and creation',
    withStore(async (store) => {
      await store.save(sub('a'));
      await store.recordFailure(sub('a').endpoint);
      await store.save(
        sub('other', {
          endpoint: sub('a').endpoint,
          p256dh: 'new-key',
          auth: 'new-auth',
          userName: 'lee',
          role: 'owner',
          createdAt: '2026-02-01T00:00:00.000Z',
        }),
      );
      expect(await store.list()).toEqual([
        sub('a', { p256dh: 'new-key', auth: 'new-auth', userName: 'lee', role: 'owner' }),
      ]);
    }),
  );

  it(
    'counts failures until a success resets them; a missing endpoint counts nothing',
    withStore(async (store) => {
      await store.save(sub('a'));
      const endpoint = sub('a').endpoint;
      expect(await store.recordFailure(endpoint)).toBe(1);
      expect(await store.recordFailure(endpoint)).toBe(2);
      await store.recordSuccess(endpoint, '2026-01-03T00:00:00.000Z');
      expect(await store.list()).toEqual([
        sub('a', { lastSuccessAt: '2026-01-03T00:00:00.000Z', failureCount: 0 }),
      ]);
      expect(await store.recordFailure(endpoint)).toBe(1);
      expect(await store.recordFailure('https://push.example/none')).toBeNull();
    }),
  );

  it(
    'remove takes only the subscriber’s own endpoint; delete takes any',
    withStore(async (store) => {
      await store.save(sub('a'));
      await store.save(sub('bb', { userName: 'lee' }));
      expect(await store.remove(sub('a').endpoint, 'lee')).toBe(false);
      expect(await store.remove(sub('a').endpoint, 'ops')).toBe(true);
      expect(await store.remove(sub('a').endpoint, 'ops')).toBe(false);
      await store.delete(sub('bb').endpoint);
      await store.delete(sub('bb').endpoint);
      expect(await store.list()).toEqual([]);
    }),
  );
});
