import { and, asc, count, eq, gt, isNull, lte, ne, sql } from 'drizzle-orm';
import type { JobQueue } from '../../core/ports/job-queue.js';
import { openStage } from '../../core/stage.js';
import type { Database } from '../client.js';
import { auditLog, stages, tasks } from '../schema.js';
import { bind, compile, rowMapper } from './prepared.js';
import { toTask } from './row-mappers.js';

const p = sql.placeholder;
// A placeholder as an update value (drizzle's set() takes SQL, not a bare placeholder).
const v = (name: string) => sql`${p(name)}`;
const mapTask = rowMapper(tasks);

/** The claim: built once, then only bound (see prepared.ts). */
function compileClaim(db: Database) {
  const next = db
    .select({ id: tasks.id })
    .from(tasks)
    .where(
      and(
        eq(tasks.status, 'queued'),
        // A pipeline is driven step by step (advance-pipelines); its steps are the runnable tasks.
        ne(tasks.kind, 'pipeline'),
        isNull(tasks.deletedAt),
        sql`(${p('hosts')} is null or ${tasks.host} in (select value from json_each(${p('hosts')})))`,
      ),
    )
    .orderBy(asc(tasks.id))
    .limit(1);
  // The row this claim just took: running, and marked with this claim's change id.
  const mine = sql`${tasks.status} = 'running' and ${tasks.changeId} = ${p('changeId')}`;
  return {
    // A read first: most claims by an idle runner find nothing, and a read costs no write lock.
    peek: compile(next),
    // One UPDATE … RETURNING picks and takes the oldest queued task: two claimers never get the same one.
    take: compile(
      db
        .update(tasks)
        .set({
          status: 'running',
          attempts: sql`${tasks.attempts} + 1`,
          fencingToken: sql`${tasks.fencingToken} + 1`,
          leaseOwner: v('runnerId'),
          leaseExpiresAt: v('leaseExpiresAt'),
          updatedAt: v('now'),
          changeId: v('changeId'),
        })
        .where(and(eq(tasks.id, sql`(${next})`), eq(tasks.status, 'queued')))
        .returning(),
    ),
    openStage: compile(
      db.insert(stages).select(
        sql`select ${p('stageId')}, ${tasks.id}, ${tasks.attempts}, ${tasks.fencingToken}, ${p('runnerId')},
          ${tasks.executor}, null, ${tasks.host}, 'running', null, null, null, null, 0, 0, 0,
          null, null, null, null, ${p('now')}, null, null, null from ${tasks} where ${mine}`,
      ),
    ),
    audit: compile(
      db.insert(auditLog).select(
        sql`select ${p('auditId')}, ${p('now')}, ${p('runnerId')}, 'runner', 'task.claimed', 'task:' || ${tasks.id},
          json_object('attempt', ${tasks.attempts}, 'fencing_token', ${tasks.fencingToken}) from ${tasks} where ${mine}`,
      ),
    ),
    heartbeat: compile(
      db
        .update(tasks)
        .set({ leaseExpiresAt: v('leaseExpiresAt') })
        .where(
          and(
            eq(tasks.id, p('taskId')),
            eq(tasks.status, 'running'),
            eq(tasks.fencingToken, p('fencingToken')),
            sql`(${p('runnerId')} is null or ${tasks.leaseOwner} = ${p('runnerId')})`,
            gt(tasks.leaseExpiresAt, p('now')),
          ),
        )
        .returning({ runnerId: tasks.leaseOwner, fencingToken: tasks.fencingToken }),
    ),
  };
}

export function createJobQueue(db: Database): JobQueue {
  const q = compileClaim(db);
  return {
    async claim(r) {
      const values = {
        runnerId: r.runnerId,
        leaseExpiresAt: r.leaseExpiresAt,
        now: r.now,
        changeId: r.changeId,
        hosts: r.hosts ? JSON.stringify(r.hosts) : null,
        stageId: r.stageId,
        auditId: r.auditId,
      };
      // Racy on purpose: another claimer may take it between the two, and `take` is guarded.
      const waiting = await db.$client.execute(bind(q.peek, values));
      if (waiting.rows.length === 0) return null;
      const [taken] = await db.$client.batch(
        [bind(q.take, values), bind(q.openStage, values), bind(q.audit, values)],
        'write',
      );
      const row = taken?.rows[0];
      if (!row) return null;
      const task = toTask(mapTask(row as unknown as Record<string, unknown>));
      const stage = openStage({ id: r.stageId, task, runnerId: r.runnerId, startedAt: r.now });
      return {
        task,
        stage,
        lease: {
          taskId: task.id,
          runnerId: r.runnerId,
          fencingToken: task.fencingToken,
          expiresAt: r.leaseExpiresAt,
        },
      };
    },
    async heartbeat(r) {
      const rs = await db.$client.execute(
        bind(q.heartbeat, {
          taskId: r.taskId,
          fencingToken: r.fencingToken,
          runnerId: r.runnerId ?? null,
          now: r.now,
          leaseExpiresAt: r.leaseExpiresAt,
        }),
      );
      const row = rs.rows[0];
      const runnerId = row?.['lease_owner'];
      return typeof runnerId === 'string'
        ? {
            taskId: r.taskId,
            runnerId,
            fencingToken: Number(row?.['fencing_token']),
            expiresAt: r.leaseExpiresAt,
          }
        : null;
    },
    async expiredLeases(now, limit) {
      const rows = await db
        .select()
        .from(tasks)
        .where(
          and(eq(tasks.status, 'running'), lte(tasks.leaseExpiresAt, now), isNull(tasks.deletedAt)),
        )
        .orderBy(asc(tasks.id))
        .limit(limit);
      return rows.map(toTask);
    },
    async depth() {
      const [row] = await db
        .select({ n: count() })
        .from(tasks)
        .where(and(eq(tasks.status, 'queued'), isNull(tasks.deletedAt)));
      return row?.n ?? 0;
    },
  };
}
