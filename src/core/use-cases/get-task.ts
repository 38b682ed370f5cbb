import type { Pipeline } from '../pipeline.js';
import type { Approval } from '../approval.js';
import { taskSubject, type AuditEvent } from '../audit.js';
import type { CoreDeps } from '../deps.js';
import type { DomainError } from '../errors.js';
import { err, ok, type Result } from '../result.js';
import type { Stage } from '../stage.js';
import type { Task } from '../task.js';
import { denyUnlessAllowed, type UseCaseArgs } from './support.js';

type Deps = Pick<
  CoreDeps,
  'tasks' | 'stages' | 'approvals' | 'audit' | 'clock' | 'ids' | 'pipelines'
>;

export interface TaskDetail {
  readonly task: Task;
  readonly stages: readonly Stage[];
  readonly approvals: readonly Approval[];
  readonly audit: readonly AuditEvent[];
  /** A pipeline task's steps and where it stands (SPEC §3.9); null for other kinds. */
  readonly pipeline: Pipeline | null;
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
  const [stages, approvals, audit, pipeline] = await Promise.all([
    deps.stages.listByTask(task.id),
    deps.approvals.listByTask(task.id),
    deps.audit.listBySubject(taskSubject(task.id), AUDIT_TRAIL_LIMIT),
    task.kind === 'pipeline' ? deps.pipelines.get(task.id) : Promise.resolve(null),
  ]);
  return ok({ task, stages, approvals, audit, pipeline });
}
