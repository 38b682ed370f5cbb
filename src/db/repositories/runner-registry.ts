import { and, asc, eq, isNull } from 'drizzle-orm';
import type { RunnerRegistry } from '../../core/ports/runner-registry.js';
import type { RunnerIdentity } from '../../core/runner-identity.js';
import type { Database } from '../client.js';
import { runners } from '../schema.js';

const toIdentity = (r: typeof runners.$inferSelect): RunnerIdentity => ({
  id: r.id,
  name: r.name,
  // A token made before hosts were required has none: it serves nothing (never "everything").
  hosts: Array.isArray(r.hosts) ? r.hosts.filter((h): h is string => typeof h === 'string') : [],
  createdAt: r.createdAt,
  lastSeenAt: r.lastSeenAt,
});

export function createRunnerRegistry(db: Database): RunnerRegistry {
  return {
    async register(runner, tokenHash) {
      await db.insert(runners).values({ ...runner, hosts: [...runner.hosts], tokenHash });
    },
    async findByTokenHash(tokenHash) {
      const [row] = await db
        .select()
        .from(runners)
        .where(and(eq(runners.tokenHash, tokenHash), isNull(runners.deletedAt)));
      return row ? toIdentity(row) : null;
    },
    async touch(id, at) {
      await db.update(runners).set({ lastSeenAt: at }).where(eq(runners.id, id));
    },
    async list() {
      return (
        await db.select().from(runners).where(isNull(runners.deletedAt)).orderBy(asc(runners.id))
      ).map(toIdentity);
    },
  };
}
