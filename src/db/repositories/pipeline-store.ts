import { and, asc, eq, notInArray } from 'drizzle-orm';
import { z } from 'zod';
import { PIPELINE_STATUSES, type Pipeline, type PipelineStep } from '../../core/pipeline.js';
import type { PipelineStore } from '../../core/ports/pipeline-store.js';
import { TASK_STATUSES } from '../../core/task.js';
import { STEP_GATES } from '../../core/template.js';
import type { Database } from '../client.js';
import { pipelines } from '../schema.js';

const DONE = ['succeeded', 'failed', 'cancelled'];

// The steps column is JSON written by this store; read back, it is still checked.
const stepsSchema = z.array(
  z.object({
    name: z.string(),
    argv: z.array(z.string()),
    host: z.string(),
    gate: z.enum(STEP_GATES),
    timeoutS: z.number(),
    taskId: z.string().nullable(),
    outcome: z.enum(TASK_STATUSES).nullable(),
    costUsd: z.number(),
    handoff: z.string().nullable(),
  }),
);

type Row = typeof pipelines.$inferSelect;

export const pipelineRow = (p: Pipeline): Row => ({
  taskId: p.taskId,
  status: p.status,
  currentStep: p.currentStep,
  steps: p.steps,
  version: p.version,
  updatedAt: p.updatedAt,
});

function toPipeline(row: Row): Pipeline {
  return {
    taskId: row.taskId,
    status: z.enum(PIPELINE_STATUSES).parse(row.status),
    currentStep: row.currentStep,
    steps: stepsSchema.parse(row.steps) as PipelineStep[],
    version: row.version,
    updatedAt: row.updatedAt,
  };
}

export function createPipelineStore(db: Database): PipelineStore {
  return {
    async get(taskId) {
      const [row] = await db.select().from(pipelines).where(eq(pipelines.taskId, taskId));
      return row ? toPipeline(row) : null;
    },
    async listActive(limit) {
      const rows = await db
        .select()
        .from(pipelines)
        .where(notInArray(pipelines.status, DONE))
        .orderBy(asc(pipelines.taskId))
        .limit(limit);
      return rows.map(toPipeline);
    },
    async update(next) {
      const { taskId, ...changes } = pipelineRow(next);
      const rows = await db
        .update(pipelines)
        .set(changes)
        .where(and(eq(pipelines.taskId, taskId), eq(pipelines.version, next.version - 1)))
        .returning({ taskId: pipelines.taskId });
      return rows.length === 1;
    },
  };
}
