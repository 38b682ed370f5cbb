import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { BreakerStore } from '../../core/ports/breaker-store.js';
import type { Database } from '../client.js';
import { circuitBreakers } from '../schema.js';
import { toBreaker } from './row-mappers.js';

const cb = circuitBreakers;

export function createBreakerStore(db: Database): BreakerStore {
  return {
    async get(key) {
      const [row] = await db.select().from(cb).where(eq(cb.key, key));
      return row ? toBreaker(row) : null;
    },
    async list() {
      return (await db.select().from(cb).orderBy(asc(cb.key))).map(toBreaker);
    },
    async save(breaker) {
      const { key: _k, ...rest } = breaker;
      await db.insert(cb).values(breaker).onConflictDoUpdate({ target: cb.key, set: rest });
    },
    // One upsert: concurrent bookings add up (no read-modify-write across an await).
    async book(b) {
      const add = b.addSpentUsd ?? 0;
      const min = b.minSpentUsd ?? 0;
      const release = b.releaseUsd ?? 0;
      const [row] = await db
        .insert(cb)
        .values({ ...b.fresh, spentUsd: Math.max(add, min), reservedUsd: 0, updatedAt: b.at })
        .onConflictDoUpdate({
          target: cb.key,
          set: {
            spentUsd: sql`max(${cb.spentUsd} + ${add}, ${min})`,
            reservedUsd: sql`max(${cb.reservedUsd} - ${release}, 0)`,
            // core/breaker.ts relimited: the limit configured now; a state set against another
            // limit starts over at ok, so the crossing check re-raises it against this one.
            thresholdUsd: b.fresh.thresholdUsd,
            state: sql`case when abs(${cb.thresholdUsd} - ${b.fresh.thresholdUsd}) <= 1e-9
              then ${cb.state} else 'ok' end`,
            updatedAt: b.at,
          },
        })
        .returning();
      if (!row) throw new Error(`breaker ${b.fresh.key} was not booked`);
      return toBreaker(row);
    },
    async advance(key, from, to, at) {
      if (from.length === 0) return null;
      const [row] = await db
        .update(cb)
        .set({ state: to, updatedAt: at })
        .where(and(eq(cb.key, key), inArray(cb.state, [...from])))
        .returning();
      return row ? toBreaker(row) : null;
    },
    async override(fresh, by, at) {
      const [row] = await db
        .insert(cb)
        .values({ ...fresh, overriddenBy: by, updatedAt: at })
        .onConflictDoUpdate({ target: cb.key, set: { overriddenBy: by, updatedAt: at } })
        .returning();
      if (!row) throw new Error(`breaker ${fresh.key} was not overridden`);
      return toBreaker(row);
    },
  };
}
