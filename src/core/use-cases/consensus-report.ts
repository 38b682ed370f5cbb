import type { DomainError } from '../errors.js';
import { ok, type Result } from '../result.js';
import { isTerminal, type Task } from '../task.js';
import { compareWorkflowStages, type StageComparison } from './compare-workflow-stages.js';
import type { UseCaseArgs } from './support.js';

type Deps = Parameters<typeof compareWorkflowStages>[0]['deps'];

export interface ConsensusReport {
  readonly workflowId: string;
  readonly runs: readonly [Task, Task];
  readonly comparison: StageComparison;
}

/**
 * When a task ends: if it is one of a consensus pair (a workflow of exactly two executions of
 * the same prompt on different executors) and the other has ended too, the comparison of
 * their answers; otherwise null.
 */
export async function consensusReport({
  deps,
  actor,
  input,
}: UseCaseArgs<Deps, { readonly taskId: string }>): Promise<
  Result<ConsensusReport | null, DomainError>
> {
  const workflowId = await deps.workflows.workflowOfTask(input.taskId);
  if (!workflowId) return ok(null);
  const stages = await deps.workflows.listStages(workflowId);
  const ids = stages.map((s) => s.taskId);
  if (stages.length !== 2 || stages.some((s) => s.kind !== 'execution') || ids.includes(null)) {
    return ok(null);
  }
  const [a, b] = await Promise.all(ids.map((id) => deps.tasks.get(id ?? '')));
  if (!a || !b || a.kind !== 'agent' || b.kind !== 'agent') return ok(null);
  if (a.prompt !== b.prompt || a.executor === b.executor) return ok(null);
  if (!isTerminal(a.status) || !isTerminal(b.status)) return ok(null);
  const comparison = await compareWorkflowStages({ deps, actor, input: { id: workflowId } });
  if (!comparison.ok) return comparison;
  return ok({ workflowId, runs: [a, b], comparison: comparison.value });
}
