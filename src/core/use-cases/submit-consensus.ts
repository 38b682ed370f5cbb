import type { DomainError } from '../errors.js';
import { err, ok, type Result } from '../result.js';
import type { TaskDraft } from '../task-draft.js';
import type { Workflow } from '../workflow.js';
import { initWorkflow } from './init-workflow.js';
import { submitWorkflowTask, type SubmittedInWorkflow } from './submit-workflow-task.js';
import type { UseCaseArgs } from './support.js';
import { loadOpenWorkflow } from './workflow-access.js';

type Deps = Parameters<typeof submitWorkflowTask>[0]['deps'];

export interface SubmitConsensusInput {
  readonly draft: TaskDraft;
  /** The second opinion; the first other configured executor when absent. */
  readonly secondExecutor?: string | undefined;
  /** Log both runs in this workflow; a new one titled after the prompt when absent. */
  readonly workflowId?: string | undefined;
}

export interface SubmittedConsensus {
  readonly workflow: Workflow;
  readonly runs: readonly [SubmittedInWorkflow, SubmittedInWorkflow];
}

const invalid = (path: string, message: string) =>
  err({ code: 'invalid_input' as const, issues: [{ path, message }] });

/**
 * Consensus (SPEC §3.4): the same prompt on two executors, each its own task (so each agent
 * on a repo gets its own worktree), both logged in one workflow, where `workflow_query
 * consensus` compares their answers. Both go through the usual policy and gates.
 */
export async function submitConsensus({
  deps,
  actor,
  input,
}: UseCaseArgs<Deps, SubmitConsensusInput>): Promise<Result<SubmittedConsensus, DomainError>> {
  const { draft } = input;
  if (draft.kind !== 'agent') {
    return invalid('consensus', 'a consensus compares two agents’ answers: give a prompt');
  }
  const first = draft.executor ?? deps.catalog.defaultExecutor;
  if (!first) return invalid('executor', 'no executor given and no default configured');
  const second =
    input.secondExecutor ?? deps.catalog.executors.find((name) => name !== first) ?? null;
  if (!second) return invalid('second_executor', 'a consensus needs a second executor configured');
  if (second === first) return invalid('second_executor', 'pick an executor other than the first');

  let workflow: Workflow;
  if (input.workflowId) {
    const loaded = await loadOpenWorkflow(deps, actor, input.workflowId);
    if (!loaded.ok) return loaded;
    workflow = loaded.value;
  } else {
    const prompt = draft.prompt.replace(/\s+/g, ' ').trim();
    const created = await initWorkflow({
      deps,
      actor,
      input: { title: `Consensus: ${prompt.length > 80 ? `${prompt.slice(0, 79)}…` : prompt}` },
    });
    if (!created.ok) return created;
    workflow = created.value;
  }
  const run = (executor: string) =>
    submitWorkflowTask({
      deps,
      actor,
      input: {
        draft: { ...draft, executor },
        workflowId: workflow.id,
        name: `${executor}'s answer`,
      },
    });
  const a = await run(first);
  if (!a.ok) return a;
  const b = await run(second);
  if (!b.ok) return b;
  return ok({ workflow, runs: [a.value, b.value] });
}
