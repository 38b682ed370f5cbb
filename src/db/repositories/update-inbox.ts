import { and, asc, eq, lt, ne, sql } from 'drizzle-orm';
import type { InboxUpdate, UpdateInbox } from '../../core/ports/update-inbox.js';
import type { Database } from '../client.js';
import { telegramUpdates } from '../schema.js';

// setImmediate where there is one (Node); a zero timeout elsewhere (Workers).
const soon: (f: () => void) => void =
  typeof setImmediate === 'function' ? (f) => void setImmediate(f) : (f) => void setTimeout(f, 0);

/** 4 bound values a row: well under SQLite's 32,766 variables per statement. */
const MAX_BATCH = 500;

/**
 * Group commit: calls made in the same turn of the event loop share one statement, and so one
 * durable commit. Each caller still gets its own answer, or the batch's error.
 */
function coalesce<T, R>(
  flush: (items: readonly T[]) => Promise<readonly R[]>,
): (item: T) => Promise<R> {
  const queue: { item: T; resolve: (r: R) => void; reject: (e: unknown) => void }[] = [];
  const run = () => {
    const batch = queue.splice(0, MAX_BATCH);
    if (queue.length) soon(run);
    flush(batch.map((b) => b.item)).then(
      (results) => batch.forEach((b, i) => b.resolve(results[i] as R)),
      (e: unknown) => batch.forEach((b) => b.reject(e)),
    );
  };
  return (item) =>
    new Promise<R>((resolve, reject) => {
      if (queue.push({ item, resolve, reject }) === 1) soon(run);
    });
}

/** The Telegram update inbox on libSQL: dedupe by update_id, writes group-committed. */
export function createUpdateInbox(db: Database): UpdateInbox {
  const accept = coalesce<InboxUpdate, boolean>(async (updates) => {
    // One statement decides: of any number of deliveries of an id, one row is inserted. Plain
    // SQL: this is the webhook's hot path, and drizzle's per-row mapping showed in profiles.
    const rows = updates.map(() => "(?, ?, 'pending', ?, ?)").join(', ');
    const { rows: inserted } = await db.$client.execute({
      sql: `INSERT INTO telegram_updates (update_id, chat_id, status, payload, received_at) VALUES ${rows} ON CONFLICT DO NOTHING RETURNING update_id`,
      args: updates.flatMap((u) => [u.updateId, u.chatId, JSON.stringify(u.payload), u.receivedAt]),
    });
    const fresh = new Set(inserted.map((r) => Number(r.update_id)));
    // The same id twice in one batch: the first caller gets it.
    return updates.map((u) => fresh.delete(u.updateId));
  });
  const markHandled = coalesce<{ updateId: number; outcome: 'done' | 'failed'; at: string }, void>(
    async (marks) => {
      const statements = (['done', 'failed'] as const)
        .map((outcome) => marks.filter((m) => m.outcome === outcome))
        .filter((group) => group.length > 0)
        .map((group) => ({
          sql: `UPDATE telegram_updates SET status = ?, processed_at = ? WHERE update_id IN (${group.map(() => '?').join(', ')})`,
          args: [
            group[0]!.outcome,
            group
              .map((m) => m.at)
              .sort()
              .at(-1)!,
            ...group.map((m) => m.updateId),
          ],
        }));
      await db.$client.batch(statements, 'write');
      return marks.map(() => undefined);
    },
  );
  return {
    accept,
    async pending(limit) {
      const rows = await db
        .select()
        .from(telegramUpdates)
        .where(eq(telegramUpdates.status, 'pending'))
        .orderBy(asc(telegramUpdates.updateId))
        .limit(limit);
      return rows.map((r) => ({
        updateId: r.updateId,
        chatId: r.chatId,
        payload: r.payload,
        receivedAt: r.receivedAt,
      }));
    },
    markHandled: (updateId, outcome, at) => markHandled({ updateId, outcome, at }),
    async prune(before) {
      const rows = await db
        .delete(telegramUpdates)
        .where(and(ne(telegramUpdates.status, 'pending'), lt(telegramUpdates.receivedAt, before)))
        .returning({ n: sql<number>`1` });
      return rows.length;
    },
  };
}
