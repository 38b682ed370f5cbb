import type { Approval } from '../approval.js';
import { taskSubject, type AuditEvent } from '../audit.js';
import type { CoreDeps } from '../deps.js';
import type { DomainError } from '../errors.js';
import { err, ok, type Result } from '../result.js';
import type { Stage } from '../stage.js';
import type { Task } from '../task.js';
import { denyUnlessAllowed, type UseCaseArgs } from './support.js';

type Deps = Pick<CoreDeps, 'tasks' | 'stages' | 'approvals' | 'audit' | 'clock' | 'ids'>;

export interface TaskDetail {
  readonly task: Task;
  readonly stages: readonly Stage[];
  readonly approvals: readonly Approval[];
  readonly audit: readonly AuditEvent[];
}

const AUDIT_TRAIL_LIMIT = 500;

export async function getTask({
  deps,
  actor,
  input,
}: UseCaseArgs<Deps, { readonly taskId: string }>): Promise<Result<TaskDetail, DomainError>> {
  const denied = await denyUnlessAllowed(deps, actor, 'task.read', taskSubject(input.taskId));
  if (denied) return denied;
  const task = await deps.tasks.get(input.taskId);
  if (!task) return err({ code: 'not_found', entity: 'task', id: input.taskId });
  const [stages, approvals, audit] = await Promise.all([
    deps.stages.listByTask(task.id),
    deps.approvals.listByTask(task.id),
    deps.audit.listBySubject(taskSubject(task.id), AUDIT_TRAIL_LIMIT),
  ]);
  return ok({ task, stages, approvals, audit });
}
