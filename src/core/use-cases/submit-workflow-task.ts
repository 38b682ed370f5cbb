import type { CoreDeps } from '../deps.js';
import type { DomainError } from '../errors.js';
import { err, ok, type Result } from '../result.js';
import type { TaskDraft } from '../task-draft.js';
import { executionStage, WORKFLOW_LIMITS, type WorkflowStage } from '../workflow.js';
import { submitTask, type Submitted } from './submit-task.js';
import type { UseCaseArgs } from './support.js';
import { loadOpenWorkflow } from './workflow-access.js';

type Deps = Pick<
  CoreDeps,
  | 'tasks'
  | 'workflows'
  | 'audit'
  | 'clock'
  | 'ids'
  | 'notifier'
  | 'policy'
  | 'catalog'
  | 'modelStats'
  | 'chooser'
>;

export interface SubmitWorkflowTaskInput {
  readonly draft: TaskDraft;
  readonly workflowId: string;
  /** What the stage is called; a short description of the draft when absent. */
  readonly name?: string | undefined;
  /** The draft is the parser's guess at free text: it waits for one Run tap. */
  readonly guess?: boolean | undefined;
}

export interface SubmittedInWorkflow extends Submitted {
  /** The execution stage; null only if the workflow was closed while the task was submitted. */
  readonly stage: WorkflowStage | null;
}

/** One line naming what a draft does, for a stage list. */
export function describeDraft(draft: TaskDraft): string {
  const line = (() => {
    switch (draft.kind) {
      case 'shell':
        return draft.argv.join(' ');
      case 'agent':
        return `${draft.executor ?? 'agent'}: ${draft.prompt}`;
      case 'template':
        return `template ${draft.template}${draft.environment ? ` (${draft.environment})` : ''}`;
    }
  })().replace(/\s+/g, ' ');
  const max = WORKFLOW_LIMITS.stageNameChars;
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/**
 * `execute` with a workflow: the workflow is checked first (nothing runs for a closed or
 * foreign one), then the task is submitted under the usual policy and logged as a stage.
 */
export async function submitWorkflowTask({
  deps,
  actor,
  input,
}: UseCaseArgs<Deps, SubmitWorkflowTaskInput>): Promise<Result<SubmittedInWorkflow, DomainError>> {
  const loaded = await loadOpenWorkflow(deps, actor, input.workflowId);
  if (!loaded.ok) return loaded;
  if ((await deps.workflows.listStages(input.workflowId)).length >= WORKFLOW_LIMITS.stages) {
    return err({
      code: 'invalid_input',
      issues: [
        {
          path: 'workflow_id',
          message: `a workflow holds at most ${WORKFLOW_LIMITS.stages} stages`,
        },
      ],
    });
  }
  const submitted = await submitTask({
    deps,
    actor,
    input: { draft: input.draft, guess: input.guess },
  });
  if (!submitted.ok) return submitted;
  const { task } = submitted.value;
  const stage = await deps.workflows.appendStage(
    executionStage({
      id: deps.ids.next(),
      workflowId: input.workflowId,
      name:
        input.name?.trim().slice(0, WORKFLOW_LIMITS.stageNameChars) || describeDraft(input.draft),
      taskId: task.id,
      executor: task.executor ?? (task.kind === 'shell' ? 'shell' : null),
      createdAt: task.createdAt,
    }),
  );
  return ok({ ...submitted.value, stage });
}
