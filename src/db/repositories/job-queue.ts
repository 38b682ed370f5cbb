import { and, asc, count, eq, gt, inArray, isNull, lte, sql } from 'drizzle-orm';
import type { JobQueue } from '../../core/ports/job-queue.js';
import { openStage } from '../../core/stage.js';
import type { Database } from '../client.js';
import { auditLog, stages, tasks } from '../schema.js';
import { toTask } from './row-mappers.js';

export function createJobQueue(db: Database): JobQueue {
  return {
    async claim(r) {
      // One UPDATE … RETURNING picks and takes the oldest queued task, so two claimers can
      // never get the same one; the stage and audit rows are tied to it by change_id.
      const next = db
        .select({ id: tasks.id })
        .from(tasks)
        .where(
          and(
            eq(tasks.status, 'queued'),
            isNull(tasks.deletedAt),
            r.hosts ? inArray(tasks.host, [...r.hosts]) : undefined,
          ),
        )
        .orderBy(asc(tasks.id))
        .limit(1);
      const mine = sql`${tasks.changeId} = ${r.changeId}`;
      const [claimed] = await db.batch([
        db
          .update(tasks)
          .set({
            status: 'running',
            attempts: sql`${tasks.attempts} + 1`,
            fencingToken: sql`${tasks.fencingToken} + 1`,
            leaseOwner: r.runnerId,
            leaseExpiresAt: r.leaseExpiresAt,
            updatedAt: r.now,
            changeId: r.changeId,
          })
          .where(and(eq(tasks.id, sql`(${next})`), eq(tasks.status, 'queued')))
          .returning(),
        db.insert(stages).select(
          sql`select ${r.stageId}, ${tasks.id}, ${tasks.attempts}, ${tasks.fencingToken}, ${r.runnerId},
            ${tasks.executor}, null, ${tasks.host}, 'running', null, null, null, null, 0, 0, 0,
            null, null, null, null, ${r.now}, null, null from ${tasks} where ${mine}`,
        ),
        db.insert(auditLog).select(
          sql`select ${r.auditId}, ${r.now}, ${r.runnerId}, 'runner', 'task.claimed', 'task:' || ${tasks.id},
            json_object('attempt', ${tasks.attempts}, 'fencing_token', ${tasks.fencingToken}) from ${tasks} where ${mine}`,
        ),
      ]);
      const row = claimed[0];
      if (!row) return null;
      const task = toTask(row);
      const stage = openStage({
        id: r.stageId,
        task: task,
        runnerId: r.runnerId,
        startedAt: r.now,
      });
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
      const [row] = await db
        .update(tasks)
        .set({ leaseExpiresAt: r.leaseExpiresAt })
        .where(
          and(
            eq(tasks.id, r.taskId),
            eq(tasks.status, 'running'),
            eq(tasks.fencingToken, r.fencingToken),
            r.runnerId !== undefined ? eq(tasks.leaseOwner, r.runnerId) : undefined,
            gt(tasks.leaseExpiresAt, r.now),
          ),
        )
        .returning({ runnerId: tasks.leaseOwner, fencingToken: tasks.fencingToken });
      return row?.runnerId
        ? {
            taskId: r.taskId,
            runnerId: row.runnerId,
            fencingToken: row.fencingToken,
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
