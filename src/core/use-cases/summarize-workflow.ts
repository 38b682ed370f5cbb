import type { CoreDeps } from '../deps.js';
import type { DomainError } from '../errors.js';
import { ok, type Result } from '../result.js';
import { isTerminal, type TaskStatus } from '../task.js';
import type { Workflow, WorkflowStage } from '../workflow.js';
import type { UseCaseArgs } from './support.js';
import { loadWorkflow } from './workflow-access.js';

type Deps = Pick<CoreDeps, 'workflows' | 'tasks' | 'stages' | 'audit' | 'clock' | 'ids'>;

/** A stage as it stands now: execution stages carry their task's live status and totals. */
export interface StageView {
  readonly stage: WorkflowStage;
  /** The task's status for execution stages (null if it cannot be read); null for log stages. */
  readonly taskStatus: TaskStatus | null;
  readonly outcome: string | null;
  readonly executor: string | null;
  readonly costUsd: number;
  readonly latencyMs: number | null;
  readonly tokensIn: number;
  readonly tokensOut: number;
  /** The last attempt's one-line summary, for execution stages that ran. */
  readonly summary: string | null;
  /** The attempt whose output `consensus` compares. */
  readonly attempt: number | null;
  readonly stdoutTail: string | null;
  /** Finished: a log stage, or an execution whose task reached a terminal status. */
  readonly done: boolean;
}

export interface WorkflowSummary {
  readonly workflow: Workflow;
  readonly stages: readonly StageView[];
  readonly totals: {
    readonly costUsd: number;
    readonly tokensIn: number;
    readonly tokensOut: number;
    readonly latencyMs: number;
  };
}

async function viewStage(deps: Deps, stage: WorkflowStage): Promise<StageView> {
  const logged: StageView = {
    stage,
    taskStatus: null,
    outcome: stage.outcome,
    executor: stage.executor,
    costUsd: stage.costUsd,
    latencyMs: stage.latencyMs,
    tokensIn: stage.tokensIn,
    tokensOut: stage.tokensOut,
    summary: null,
    attempt: null,
    stdoutTail: stage.output,
    done: stage.kind === 'log',
  };
  if (stage.kind === 'log' || stage.taskId === null) return logged;
  // Who may read the workflow (its requester, or an owner) may read the tasks it ran. Only
  // the task and its attempts: a summary has no use for approvals or the audit trail,
  // and reading them per stage made this the slowest query.
  const task = await deps.tasks.get(stage.taskId);
  if (!task) return logged;
  const stages = await deps.stages.listByTask(task.id);
  const last = stages.at(-1);
  const latencies = stages.map((s) => s.latencyMs).filter((l): l is number => l !== null);
  return {
    stage,
    taskStatus: task.status,
    outcome: task.status,
    executor: task.executor ?? stage.executor,
    costUsd: task.costUsd,
    latencyMs: latencies.length ? latencies.reduce((a, b) => a + b, 0) : null,
    tokensIn: task.tokensIn,
    tokensOut: task.tokensOut,
    summary: last?.summary ?? null,
    attempt: last?.attempt ?? null,
    stdoutTail: last?.stdoutTail ?? null,
    done: isTerminal(task.status),
  };
}

/** `summary`: the workflow, its stages as they stand now, and what they cost in total. */
export async function summarizeWorkflow({
  deps,
  actor,
  input,
}: UseCaseArgs<Deps, { readonly id: string }>): Promise<Result<WorkflowSummary, DomainError>> {
  const loaded = await loadWorkflow(deps, actor, input.id, 'workflow.read');
  if (!loaded.ok) return loaded;
  const stored = await deps.workflows.listStages(input.id);
  const stages = await Promise.all(stored.map((s) => viewStage(deps, s)));
  const sum = (f: (s: StageView) => number) => stages.reduce((n, s) => n + f(s), 0);
  return ok({
    workflow: loaded.value,
    stages,
    totals: {
      costUsd: sum((s) => s.costUsd),
      tokensIn: sum((s) => s.tokensIn),
      tokensOut: sum((s) => s.tokensOut),
      latencyMs: sum((s) => s.latencyMs ?? 0),
    },
  });
}
