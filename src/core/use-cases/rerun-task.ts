import type { DomainError } from '../errors.js';
import { CONSENSUS_RUNG } from '../escalation.js';
import { err, type Result } from '../result.js';
import type { TaskDraft } from '../task-draft.js';
import { isTerminal, type Task } from '../task.js';
import { submitTask, type Submitted } from './submit-task.js';
import { denyUnlessAllowed, type UseCaseArgs } from './support.js';

type Deps = Parameters<typeof submitTask>[0]['deps'];

/** The request a task was made from, so it can be made again. */
export function draftOf(task: Task): TaskDraft | null {
  const where = {
    ...(task.host ? { host: task.host } : {}),
    ...(task.repo ? { repo: task.repo } : {}),
    ...(task.environment ? { environment: task.environment } : {}),
    timeoutS: task.timeoutS,
  };
  if (task.kind === 'shell' && task.argv)
    return { kind: 'shell', ...where, host: task.host ?? 'local', argv: [...task.argv] };
  if (task.kind === 'agent' && task.prompt) {
    return {
      kind: 'agent',
      ...where,
      prompt: task.prompt,
      // A task that ended on its consensus rung names no one executor: the default runs it.
      ...(task.executor && task.executor !== CONSENSUS_RUNG ? { executor: task.executor } : {}),
    };
  }
  if ((task.kind === 'template' || task.kind === 'pipeline') && task.template) {
    return { kind: 'template', ...where, template: task.template, params: { ...task.params } };
  }
  return null;
}

/**
 * Re-run (a button, "retry 42"): a new task from the same request, on another executor when
 * one is named (an agent task only; it must be configured). It meets the approval policy
 * again: a tap once is not a tap forever.
 */
export async function rerunTask({
  deps,
  actor,
  input,
}: UseCaseArgs<Deps, { readonly taskId: string; readonly executor?: string | undefined }>): Promise<
  Result<Submitted, DomainError>
> {
  const denied = await denyUnlessAllowed(deps, actor, 'task.submit', 'task:new');
  if (denied) return denied;
  const task = await deps.tasks.get(input.taskId);
  if (!task) return err({ code: 'not_found', entity: 'task', id: input.taskId });
  if (!isTerminal(task.status)) {
    return err({
      code: 'invalid_input',
      issues: [{ path: 'task', message: `the task is still ${task.status.replace('_', ' ')}` }],
    });
  }
  const draft = draftOf(task);
  if (!draft) {
    return err({
      code: 'invalid_input',
      issues: [{ path: 'task', message: `a ${task.kind} task cannot be run again` }],
    });
  }
  if (input.executor !== undefined && draft.kind !== 'agent') {
    return err({
      code: 'invalid_input',
      issues: [{ path: 'executor', message: `a ${task.kind} task has no executor to change` }],
    });
  }
  const on =
    input.executor !== undefined && draft.kind === 'agent' ? { executor: input.executor } : {};
  return submitTask({ deps, actor, input: { draft: { ...draft, ...on } } });
}
