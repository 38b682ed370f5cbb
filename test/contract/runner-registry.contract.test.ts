import { describe, expect, it } from 'vitest';
import { createMemoryRunnerRegistry } from '../../src/core/fakes/memory-runner-registry.js';
import type { RunnerRegistry } from '../../src/core/ports/runner-registry.js';
import { createRunnerRegistry } from '../../src/db/repositories/runner-registry.js';
import { createTempDb } from '../helpers/temp-db.js';

const IMPLS: ReadonlyArray<
  readonly [string, () => Promise<{ registry: RunnerRegistry; dispose(): void }>]
> = [
  ['memory', async () => ({ registry: createMemoryRunnerRegistry(), dispose: () => {} })],
  [
    'libsql file',
    async () => {
      const db = await createTempDb();
      return { registry: createRunnerRegistry(db.db), dispose: () => db.dispose() };
    },
  ],
];

const runner = (id: string) => ({
  id,
  name: `runner ${id}`,
  hosts: ['vm1', 'vm2'],
  createdAt: '2026-01-01T00:00:00.000Z',
  lastSeenAt: '2026-01-01T00:00:00.000Z',
});

describe.each(IMPLS)('RunnerRegistry contract (%s)', (_name, make) => {
  it('finds a runner by its token hash only, and records when it was last seen', async () => {
    const { registry, dispose } = await make();
    try {
      await registry.register(runner('r1'), 'hash-1');
      await registry.register(runner('r2'), 'hash-2');
      expect(await registry.findByTokenHash('hash-2')).toEqual(runner('r2'));
      expect(await registry.findByTokenHash('nope')).toBeNull();
      await registry.touch('r1', '2026-01-02T00:00:00.000Z');
      expect((await registry.findByTokenHash('hash-1'))?.lastSeenAt).toBe(
        '2026-01-02T00:00:00.000Z',
      );
      expect((await registry.list()).map((r) => r.id)).toEqual(['r1', 'r2']);
      await expect(registry.register(runner('r3'), 'hash-1')).rejects.toThrow();
      // The hosts a token serves come back exactly as registered.
      await registry.register({ ...runner('r4'), hosts: ['vm3'] }, 'hash-4');
      expect((await registry.findByTokenHash('hash-4'))?.hosts).toEqual(['vm3']);
    } finally {
      dispose();
    }
  });
});
