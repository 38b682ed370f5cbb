import { and, desc, eq, inArray, isNull, lt, lte, sql, type SQL } from 'drizzle-orm';
import type { BatchItem } from 'drizzle-orm/batch';
import type { TaskChange, TaskQuery, TaskStore } from '../../core/ports/task-store.js';
import { TERMINAL_STATUSES } from '../../core/task.js';
import type { Database } from '../client.js';
import { approvals, auditLog, stages, tasks } from '../schema.js';
import { changed, guardedAudit } from './audit-rows.js';
import { fromTask, toTask } from './row-mappers.js';

const terminal = [...TERMINAL_STATUSES];

function filters(q: TaskQuery): SQL | undefined {
  return and(
    isNull(tasks.deletedAt),
    q.status && q.status.length ? inArray(tasks.status, [...q.status]) : undefined,
    q.kind ? eq(tasks.kind, q.kind) : undefined,
    q.host ? eq(tasks.host, q.host) : undefined,
    q.executor ? eq(tasks.executor, q.executor) : undefined,
    q.requester ? eq(tasks.requester, q.requester) : undefined,
    q.channel ? eq(tasks.channel, q.channel) : undefined,
    q.after ? lt(tasks.id, q.after) : undefined,
  );
}

/**
 * A change is one batch: the guarded task update first, then writes that apply only if it
 * did (see `changed`). Nothing is held open across an await, so this works the same on a
 * local file, a libSQL server and Workers.
 */
function transitionBatch(
  db: Database,
  c: TaskChange,
): [BatchItem<'sqlite'>, ...BatchItem<'sqlite'>[]] {
  const r = c.stage?.result;
  const update = db
    .update(tasks)
    .set({
      status: c.to,
      updatedAt: c.at,
      changeId: c.changeId,
      finishedAt: terminal.includes(c.to) ? c.at : sql`${tasks.finishedAt}`,
      leaseOwner: sql`case when ${tasks.status} = 'running' then null else ${tasks.leaseOwner} end`,
      leaseExpiresAt: sql`case when ${tasks.status} = 'running' then null else ${tasks.leaseExpiresAt} end`,
      ...(r
        ? {
            costUsd: sql`${tasks.costUsd} + ${r.costUsd}`,
            tokensIn: sql`${tasks.tokensIn} + ${r.tokensIn}`,
            tokensOut: sql`${tasks.tokensOut} + ${r.tokensOut}`,
          }
        : {}),
    })
    .where(
      and(
        eq(tasks.id, c.taskId),
        inArray(tasks.status, [...c.from]),
        isNull(tasks.deletedAt),
        c.fencingToken !== undefined ? eq(tasks.fencingToken, c.fencingToken) : undefined,
        c.leaseOwner !== undefined ? eq(tasks.leaseOwner, c.leaseOwner) : undefined,
        c.leaseExpiredBy !== undefined ? lte(tasks.leaseExpiresAt, c.leaseExpiredBy) : undefined,
      ),
    )
    .returning();
  const guard = changed(c.taskId, c.changeId);
  const rest: BatchItem<'sqlite'>[] = [];
  if (c.stage && r) {
    rest.push(
      db
        .update(stages)
        .set({ ...r, outcome: c.stage.outcome, finishedAt: c.at })
        .where(
          and(
            eq(stages.taskId, c.taskId),
            eq(stages.outcome, 'running'),
            eq(
              stages.fencingToken,
              sql`(select ${tasks.fencingToken} from ${tasks} where ${tasks.id} = ${c.taskId} and ${tasks.changeId} = ${c.changeId})`,
            ),
          ),
        ),
    );
  }
  if (c.approval) {
    rest.push(
      db
        .update(approvals)
        .set(c.approval)
        .where(and(eq(approvals.taskId, c.taskId), eq(approvals.status, 'pending'), guard)),
    );
  }
  for (const e of c.audit) rest.push(guardedAudit(db, e, guard));
  return [update, ...rest];
}

export function createTaskStore(db: Database): TaskStore {
  return {
    async create(task, approval, audit) {
      const writes: BatchItem<'sqlite'>[] = [];
      if (approval) writes.push(db.insert(approvals).values(approval));
      if (audit.length)
        writes.push(
          db.insert(auditLog).values(audit.map((e) => ({ ...e, detail: { ...e.detail } }))),
        );
      await db.batch([db.insert(tasks).values(fromTask(task, task.id)), ...writes]);
    },
    async get(id) {
      const row = await db.query.tasks.findFirst({
        where: and(eq(tasks.id, id), isNull(tasks.deletedAt)),
      });
      return row ? toTask(row) : null;
    },
    async list(q) {
      const rows = await db
        .select()
        .from(tasks)
        .where(filters(q))
        .orderBy(desc(tasks.id))
        .limit(q.limit + 1);
      const items = rows.slice(0, q.limit).map(toTask);
      return { items, nextCursor: rows.length > q.limit ? (items.at(-1)?.id ?? null) : null };
    },
    async transition(change) {
      const [updated] = await db.batch(transitionBatch(db, change));
      const row = (updated as (typeof tasks.$inferSelect)[])[0];
      return row ? toTask(row) : null;
    },
  };
}
