import type { CoreDeps } from '../deps.js';
import type { DomainError } from '../errors.js';
import { ok, type Result } from '../result.js';
import type { WorkflowStatus } from '../workflow.js';
import { summarizeWorkflow, type StageView, type WorkflowSummary } from './summarize-workflow.js';
import type { UseCaseArgs } from './support.js';

type Deps = Parameters<typeof summarizeWorkflow>[0]['deps'] & Pick<CoreDeps, 'workflows'>;

export interface WorkflowState {
  readonly status: WorkflowStatus;
  /** The stage that is running or waiting (approval, queue), if any. */
  readonly current: StageView | null;
  /** What should happen next, in words a planner can act on. */
  readonly next: string;
  readonly stages: number;
  readonly criteria: number;
}

/** Where a workflow stands and what it waits for; pure over its summary. */
export function stateOf(s: WorkflowSummary): WorkflowState {
  const { workflow: w, stages } = s;
  const base = { status: w.status, stages: stages.length, criteria: w.acceptance.length };
  if (w.status === 'closed')
    return { ...base, current: null, next: `closed (verdict: ${w.verdict}); nothing more to do` };
  const current =
    stages.find((v) => v.taskStatus === 'awaiting_approval') ??
    stages.find((v) => v.stage.kind === 'execution' && !v.done) ??
    null;
  const task = current?.stage.taskId;
  if (current && current.taskStatus === 'awaiting_approval')
    return {
      ...base,
      current,
      next: `waiting for approval of task ${task} (the operator decides in Telegram or the web app)`,
    };
  if (current)
    return {
      ...base,
      current,
      next: `waiting for task ${task} to finish (${current.taskStatus ?? 'status unknown'}); poll with tasks or summary`,
    };
  if (w.acceptance.length === 0)
    return { ...base, current, next: 'spec missing: record the acceptance criteria with spec' };
  const last = stages.at(-1);
  if (!last)
    return { ...base, current, next: 'execute the work with workflow_id, or write a stage' };
  if (last.outcome !== 'succeeded')
    return {
      ...base,
      current,
      next: `last stage ${last.stage.seq} ended ${last.outcome ?? 'without an outcome'}: retry or escalate with execute, or close with verdict failed`,
    };
  return {
    ...base,
    current,
    next: 'ready to close: check the acceptance criteria, then close with a verdict',
  };
}

/** `state`: the compact machine state of a workflow. */
export async function getWorkflowState(
  args: UseCaseArgs<Deps, { readonly id: string }>,
): Promise<Result<WorkflowState, DomainError>> {
  const summary = await summarizeWorkflow(args);
  return summary.ok ? ok(stateOf(summary.value)) : summary;
}
