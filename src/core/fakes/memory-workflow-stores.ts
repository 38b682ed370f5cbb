import type { ModelStat } from '../model-stats.js';
import type { ModelStatsStore } from '../ports/model-stats-store.js';
import type { WorkflowStore } from '../ports/workflow-store.js';
import type { Workflow, WorkflowStage } from '../workflow.js';

/** In-memory WorkflowStore; each method body is synchronous, so each is atomic. */
export function createMemoryWorkflowStore(): WorkflowStore {
  const workflows = new Map<string, Workflow>();
  const stages: WorkflowStage[] = [];
  const open = (id: string) => {
    const w = workflows.get(id);
    return w && w.status === 'open' ? w : null;
  };
  return {
    async create(workflow) {
      if (workflows.has(workflow.id)) throw new Error(`duplicate workflow id ${workflow.id}`);
      workflows.set(workflow.id, workflow);
    },
    async get(id) {
      return workflows.get(id) ?? null;
    },
    async setSpec(id, acceptance, at) {
      const w = open(id);
      if (!w) return null;
      const next: Workflow = { ...w, acceptance: [...acceptance], updatedAt: at };
      workflows.set(id, next);
      return next;
    },
    async appendStage(stage) {
      if (!open(stage.workflowId)) return null;
      const seq = stages.filter((s) => s.workflowId === stage.workflowId).length + 1;
      const stored: WorkflowStage = { ...stage, seq };
      stages.push(stored);
      return stored;
    },
    async close(id, verdict, notes, at) {
      const w = open(id);
      if (!w) return null;
      const next: Workflow = {
        ...w,
        status: 'closed',
        verdict,
        verdictNotes: notes,
        updatedAt: at,
        closedAt: at,
      };
      workflows.set(id, next);
      return next;
    },
    async listStages(workflowId) {
      return stages.filter((s) => s.workflowId === workflowId).sort((a, b) => a.seq - b.seq);
    },
    async workflowOfTask(taskId) {
      return stages.find((s) => s.taskId === taskId)?.workflowId ?? null;
    },
  };
}

/** In-memory ModelStatsStore: the same adding upsert as the SQL one. */
export function createMemoryModelStatsStore(): ModelStatsStore {
  const rows = new Map<string, ModelStat>();
  return {
    async record(run) {
      const key = `${run.executor}\u0000${run.taskKind}`;
      const s = rows.get(key);
      rows.set(key, {
        executor: run.executor,
        taskKind: run.taskKind,
        runs: (s?.runs ?? 0) + 1,
        successes: (s?.successes ?? 0) + (run.success ? 1 : 0),
        failures: (s?.failures ?? 0) + (run.success ? 0 : 1),
        totalCostUsd: (s?.totalCostUsd ?? 0) + run.costUsd,
        totalLatencyMs: (s?.totalLatencyMs ?? 0) + (run.latencyMs ?? 0),
        totalTokens: (s?.totalTokens ?? 0) + run.tokens,
        updatedAt: run.at,
      });
    },
    async list() {
      return [...rows.values()].sort((a, b) =>
        a.executor !== b.executor
          ? a.executor < b.executor
            ? -1
            : 1
          : a.taskKind < b.taskKind
            ? -1
            : a.taskKind > b.taskKind
              ? 1
              : 0,
      );
    },
  };
}
