import { and, asc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { WorkflowStore } from '../../core/ports/workflow-store.js';
import { CHANNELS } from '../../core/task.js';
import {
  WORKFLOW_STAGE_KINDS,
  WORKFLOW_STATUSES,
  WORKFLOW_VERDICTS,
  type Workflow,
  type WorkflowStage,
} from '../../core/workflow.js';
import type { Database } from '../client.js';
import { workflowStages, workflows } from '../schema.js';

type Row = typeof workflows.$inferSelect;
type StageRow = typeof workflowStages.$inferSelect;

// Built once: row mapping is on every read.
const Acceptance = z.array(z.string());
const Status = z.enum(WORKFLOW_STATUSES);
const Verdict = z.enum(WORKFLOW_VERDICTS);
const Channel = z.enum(CHANNELS);
const StageKind = z.enum(WORKFLOW_STAGE_KINDS);

function toWorkflow(row: Row): Workflow {
  return {
    id: row.id,
    title: row.title,
    goal: row.goal,
    acceptance: Acceptance.parse(row.acceptance),
    status: Status.parse(row.status),
    verdict: row.verdict === null ? null : Verdict.parse(row.verdict),
    verdictNotes: row.verdictNotes,
    requester: row.requester,
    channel: Channel.parse(row.channel),
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    closedAt: row.closedAt,
  };
}

const toStage = (row: StageRow): WorkflowStage => ({
  ...row,
  kind: StageKind.parse(row.kind),
});

const isOpen = (id: string) => and(eq(workflows.id, id), eq(workflows.status, 'open'));

export function createWorkflowStore(db: Database): WorkflowStore {
  // The reads behind workflow_query are prepared once: drizzle's per-call SQL building was
  // the largest remaining cost of a summary (CPU profile).
  const byId = db
    .select()
    .from(workflows)
    .where(eq(workflows.id, sql.placeholder('id')))
    .prepare();
  const stagesOf = db
    .select()
    .from(workflowStages)
    .where(eq(workflowStages.workflowId, sql.placeholder('id')))
    .orderBy(asc(workflowStages.seq))
    .prepare();
  return {
    async create(w) {
      await db.insert(workflows).values({ ...w, acceptance: [...w.acceptance] });
    },
    async get(id) {
      const [row] = await byId.all({ id });
      return row ? toWorkflow(row) : null;
    },
    async setSpec(id, acceptance, at) {
      const [row] = await db
        .update(workflows)
        .set({ acceptance: [...acceptance], updatedAt: at })
        .where(isOpen(id))
        .returning();
      return row ? toWorkflow(row) : null;
    },
    async appendStage(s) {
      // One INSERT … SELECT: the next seq is read and written in the same statement, and
      // only while the workflow is open, so concurrent writers cannot take the same number.
      const next = sql`(select coalesce(max(${workflowStages.seq}), 0) + 1 from ${workflowStages} where ${workflowStages.workflowId} = ${s.workflowId})`;
      const [row] = await db
        .insert(workflowStages)
        .select(
          sql`select ${s.id}, ${workflows.id}, ${next}, ${s.kind}, ${s.name}, ${s.taskId}, ${s.executor}, ${s.outcome}, ${s.output}, ${s.costUsd}, ${s.latencyMs}, ${s.tokensIn}, ${s.tokensOut}, ${s.createdAt} from ${workflows} where ${workflows.id} = ${s.workflowId} and ${workflows.status} = 'open'`,
        )
        .returning();
      return row ? toStage(row) : null;
    },
    async close(id, verdict, notes, at) {
      const [row] = await db
        .update(workflows)
        .set({ status: 'closed', verdict, verdictNotes: notes, updatedAt: at, closedAt: at })
        .where(isOpen(id))
        .returning();
      return row ? toWorkflow(row) : null;
    },
    async listStages(workflowId) {
      return (await stagesOf.all({ id: workflowId })).map(toStage);
    },
    async workflowOfTask(taskId) {
      const [row] = await db
        .select({ id: workflowStages.workflowId })
        .from(workflowStages)
        .where(eq(workflowStages.taskId, taskId))
        .limit(1);
      return row?.id ?? null;
    },
  };
}
