import { and, asc, eq, sql } from 'drizzle-orm';
import type { Role } from '../../core/actor.js';
import type {
  PushSubscriptionRecord,
  PushSubscriptions,
} from '../../core/ports/push-subscriptions.js';
import type { Database } from '../client.js';
import { pushSubscriptions as t } from '../schema.js';

const toRecord = (r: typeof t.$inferSelect): PushSubscriptionRecord => ({
  ...r,
  role: r.role as Role,
});

/** Push subscriptions in libSQL; each method is one statement. */
export function createPushSubscriptionStore(db: Database): PushSubscriptions {
  return {
    async save(sub) {
      await db
        .insert(t)
        .values(sub)
        .onConflictDoUpdate({
          target: t.endpoint,
          set: {
            p256dh: sub.p256dh,
            auth: sub.auth,
            userName: sub.userName,
            role: sub.role,
            lastSuccessAt: sub.lastSuccessAt,
            failureCount: sub.failureCount,
          },
        });
    },
    async remove(endpoint, userName) {
      const gone = await db
        .delete(t)
        .where(and(eq(t.endpoint, endpoint), eq(t.userName, userName)))
        .returning({ id: t.id });
      return gone.length > 0;
    },
    async list() {
      return (await db.select().from(t).orderBy(asc(t.createdAt), asc(t.id))).map(toRecord);
    },
    async recordSuccess(endpoint, at) {
      await db
        .update(t)
        .set({ lastSuccessAt: at, failureCount: 0 })
        .where(eq(t.endpoint, endpoint));
    },
    async recordFailure(endpoint) {
      const [row] = await db
        .update(t)
        .set({ failureCount: sql`${t.failureCount} + 1` })
        .where(eq(t.endpoint, endpoint))
        .returning({ failures: t.failureCount });
      return row ? row.failures : null;
    },
    async delete(endpoint) {
      await db.delete(t).where(eq(t.endpoint, endpoint));
    },
  };
}
