import { afterEach, beforeEach } from 'vitest';
import type { Stores } from '../../src/core/deps.js';
import { createMemoryStores } from '../../src/core/fakes/memory-stores.js';
import { createLibsqlStores } from '../../src/db/stores.js';
import { createTempDb } from '../helpers/temp-db.js';

export interface StoresUnderTest {
  readonly stores: Stores;
  dispose(): void;
}

/** Each contract suite runs once per implementation: the fake must behave like the real thing. */
export const IMPLEMENTATIONS: ReadonlyArray<readonly [string, () => Promise<StoresUnderTest>]> = [
  ['memory', async () => ({ stores: createMemoryStores(), dispose: () => {} })],
  [
    'libsql file, statement-caching client',
    async () => {
      const db = await createTempDb('auto');
      return { stores: createLibsqlStores(db.db), dispose: () => db.dispose() };
    },
  ],
  [
    'libsql file, @libsql/client',
    async () => {
      const db = await createTempDb('libsql-client');
      return { stores: createLibsqlStores(db.db), dispose: () => db.dispose() };
    },
  ],
];

/** Fresh stores for every test, disposed afterwards. */
export function useStores(make: () => Promise<StoresUnderTest>): () => Stores {
  let current: StoresUnderTest | undefined;
  beforeEach(async () => {
    current = await make();
  });
  afterEach(() => {
    current?.dispose();
    current = undefined;
  });
  return () => {
    if (!current) throw new Error('stores used outside a test');
    return current.stores;
  };
}
