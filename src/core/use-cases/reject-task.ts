import { taskSubject } from '../audit.js';
import type { CoreDeps } from '../deps.js';
import type { DomainError } from '../errors.js';
import { ok, type Result } from '../result.js';
import type { Task } from '../task.js';
import { loadPendingApproval } from './pending-approval.js';
import {
  auditEntry,
  denyUnlessAllowed,
  explainMiss,
  notifySafely,
  type UseCaseArgs,
} from './support.js';

type Deps = Pick<CoreDeps, 'tasks' | 'approvals' | 'audit' | 'clock' | 'ids' | 'notifier'>;

export interface RejectTaskInput {
  readonly taskId: string;
  readonly reason?: string | undefined;
}

export async function rejectTask({
  deps,
  actor,
  input,
}: UseCaseArgs<Deps, RejectTaskInput>): Promise<Result<Task, DomainError>> {
  const denied = await denyUnlessAllowed(deps, actor, 'task.reject', taskSubject(input.taskId));
  if (denied) return denied;
  const pending = await loadPendingApproval(deps, input.taskId, 'rejected');
  if (!pending.ok) return pending;
  const at = deps.clock.now().toISOString();
  const reason = input.reason?.trim() || null;
  const task = await deps.tasks.transition({
    taskId: input.taskId,
    from: ['awaiting_approval'],
    to: 'rejected',
    at,
    changeId: deps.ids.next(),
    approval: {
      status: 'rejected',
      decidedBy: actor.id,
      decidedChannel: actor.channel,
      decidedAt: at,
      reason,
    },
    audit: [auditEntry(deps, actor, at, 'task.rejected', taskSubject(input.taskId), { reason })],
  });
  if (!task) return explainMiss(deps, input.taskId, 'rejected');
  await notifySafely(deps, { type: 'task.changed', task, from: 'awaiting_approval' });
  return ok(task);
}
