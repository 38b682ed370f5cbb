import { and, asc, eq, isNull, lte, sql } from 'drizzle-orm';
import type { ApprovalStore } from '../../core/ports/approval-store.js';
import type { StageStore } from '../../core/ports/stage-store.js';
import type { Database } from '../client.js';
import { approvals, stageOutputChunks, stageOutputs, stages } from '../schema.js';
import { toApproval, toStage } from './row-mappers.js';

export function createStageStore(db: Database): StageStore {
  // Read on every task view: prepared once, bound per call.
  const stagesOfTask = db
    .select()
    .from(stages)
    .where(and(eq(stages.taskId, sql.placeholder('taskId')), isNull(stages.deletedAt)))
    .orderBy(asc(stages.attempt))
    .prepare();
  return {
    async listByTask(taskId) {
      return (await stagesOfTask.all({ taskId })).map(toStage);
    },
    async output(taskId, attempt) {
      const [meta] = await db
        .select({
          stageId: stageOutputs.stageId,
          stdoutBytes: stageOutputs.stdoutBytes,
          stderrBytes: stageOutputs.stderrBytes,
          truncated: stageOutputs.truncated,
        })
        .from(stageOutputs)
        .innerJoin(stages, eq(stages.id, stageOutputs.stageId))
        .where(
          and(eq(stages.taskId, taskId), eq(stages.attempt, attempt), isNull(stages.deletedAt)),
        )
        .limit(1);
      if (!meta) return null;
      const chunks = await db
        .select({ stream: stageOutputChunks.stream, text: stageOutputChunks.text })
        .from(stageOutputChunks)
        .where(eq(stageOutputChunks.stageId, meta.stageId))
        .orderBy(asc(stageOutputChunks.stream), asc(stageOutputChunks.seq));
      const join = (stream: 'stdout' | 'stderr') =>
        chunks
          .filter((c) => c.stream === stream)
          .map((c) => c.text)
          .join('');
      const { stageId: _, ...counts } = meta;
      return { stdout: join('stdout'), stderr: join('stderr'), ...counts };
    },
  };
}

export function createApprovalStore(db: Database): ApprovalStore {
  const live = isNull(approvals.deletedAt);
  return {
    async listByTask(taskId) {
      const rows = await db
        .select()
        .from(approvals)
        .where(and(eq(approvals.taskId, taskId), live))
        .orderBy(asc(approvals.id));
      return rows.map(toApproval);
    },
    async pendingForTask(taskId) {
      const [row] = await db
        .select()
        .from(approvals)
        .where(and(eq(approvals.taskId, taskId), eq(approvals.status, 'pending'), live))
        .limit(1);
      return row ? toApproval(row) : null;
    },
    async listExpired(now, limit) {
      const rows = await db
        .select()
        .from(approvals)
        .where(and(eq(approvals.status, 'pending'), lte(approvals.expiresAt, now), live))
        .orderBy(asc(approvals.expiresAt), asc(approvals.id))
        .limit(limit);
      return rows.map(toApproval);
    },
  };
}
