import { isSessionId } from '../cli-values.js';
import type { CoreDeps } from '../deps.js';
import type { DomainError } from '../errors.js';
import { err, type Result } from '../result.js';
import { isTerminal } from '../task.js';
import { submitTask, type Submitted } from './submit-task.js';
import { denyUnlessAllowed, type UseCaseArgs } from './support.js';

type Deps = Parameters<typeof submitTask>[0]['deps'] & Pick<CoreDeps, 'stages'>;

export interface ContinueTaskInput {
  readonly taskId: string;
  readonly prompt: string;
}

/**
 * A follow-up prompt to a finished agent task: same executor, host and repo, and the CLI
 * resumes the session the task's last attempt reported (reply-to-continue, [Continue]).
 */
export async function continueTask({
  deps,
  actor,
  input,
}: UseCaseArgs<Deps, ContinueTaskInput>): Promise<Result<Submitted, DomainError>> {
  const denied = await denyUnlessAllowed(deps, actor, 'task.submit', 'task:new');
  if (denied) return denied;
  const parent = await deps.tasks.get(input.taskId);
  if (!parent) return err({ code: 'not_found', entity: 'task', id: input.taskId });
  const invalid = (message: string) =>
    err({ code: 'invalid_input', issues: [{ path: 'task', message }] } as const);
  if (parent.kind !== 'agent' || !parent.executor) {
    return invalid('only an agent task has a session to continue');
  }
  if (!isTerminal(parent.status)) return invalid(`the task is still ${parent.status}`);
  const stages = await deps.stages.listByTask(parent.id);
  const sessionId = stages.findLast((s) => s.sessionId !== null)?.sessionId ?? null;
  if (!sessionId) return invalid('the agent reported no session for this task');
  // Stored before session ids were checked, or by a runner that lied: never resumed.
  if (!isSessionId(sessionId)) {
    return invalid('the session this task reported is not a valid session id; start a new task');
  }
  return submitTask({
    deps,
    actor,
    input: {
      draft: {
        kind: 'agent',
        executor: parent.executor,
        prompt: input.prompt,
        ...(parent.host ? { host: parent.host } : {}),
        ...(parent.repo ? { repo: parent.repo } : {}),
        ...(parent.environment ? { environment: parent.environment } : {}),
      },
      continuation: { taskId: parent.continuesTaskId ?? parent.id, sessionId },
    },
  });
}
