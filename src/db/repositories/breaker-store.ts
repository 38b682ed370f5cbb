import { asc, eq } from 'drizzle-orm';
import type { BreakerStore } from '../../core/ports/breaker-store.js';
import type { Database } from '../client.js';
import { circuitBreakers } from '../schema.js';
import { toBreaker } from './row-mappers.js';

export function createBreakerStore(db: Database): BreakerStore {
  return {
    async get(key) {
      const [row] = await db.select().from(circuitBreakers).where(eq(circuitBreakers.key, key));
      return row ? toBreaker(row) : null;
    },
    async list() {
      return (await db.select().from(circuitBreakers).orderBy(asc(circuitBreakers.key))).map(
        toBreaker,
      );
    },
    async save(breaker) {
      const { key: _k, ...rest } = breaker;
      await db
        .insert(circuitBreakers)
        .values(breaker)
        .onConflictDoUpdate({ target: circuitBreakers.key, set: rest });
    },
  };
}
