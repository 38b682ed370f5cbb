import { taskSubject } from '../audit.js';
import type { CoreDeps } from '../deps.js';
import type { DomainError } from '../errors.js';
import { err, ok, type Result } from '../result.js';
import type { StoredOutput } from '../stage.js';
import { denyUnlessAllowed, type UseCaseArgs } from './support.js';

type Deps = Pick<CoreDeps, 'tasks' | 'stages' | 'audit' | 'clock' | 'ids'>;

export interface GetTaskOutputInput {
  readonly taskId: string;
  /** Which attempt; the latest one when absent. */
  readonly attempt?: number | undefined;
}

export interface TaskOutput {
  readonly taskId: string;
  readonly attempt: number;
  readonly output: StoredOutput;
}

/** The stored (capped) output of one attempt of a task: what a chat or the PWA shows in full. */
export async function getTaskOutput({
  deps,
  actor,
  input,
}: UseCaseArgs<Deps, GetTaskOutputInput>): Promise<Result<TaskOutput, DomainError>> {
  const denied = await denyUnlessAllowed(deps, actor, 'task.read', taskSubject(input.taskId));
  if (denied) return denied;
  const task = await deps.tasks.get(input.taskId);
  if (!task) return err({ code: 'not_found', entity: 'task', id: input.taskId });
  const attempt = input.attempt ?? task.attempts;
  const output = attempt > 0 ? await deps.stages.output(task.id, attempt) : null;
  if (!output)
    return err({ code: 'not_found', entity: 'output', id: `task ${task.id}, attempt ${attempt}` });
  return ok({ taskId: task.id, attempt, output });
}
