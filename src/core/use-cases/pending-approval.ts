import type { Actor } from '../actor.js';
import type { Approval } from '../approval.js';
import { taskSubject } from '../audit.js';
import type { CoreDeps } from '../deps.js';
import type { DomainError } from '../errors.js';
import { err, ok, type Result } from '../result.js';
import type { Task, TaskStatus } from '../task.js';
import { auditEntry, explainMiss, notifySafely } from './support.js';

type Deps = Pick<CoreDeps, 'tasks' | 'approvals' | 'clock' | 'ids' | 'notifier'>;

/**
 * Finds the live gate of a task that is about to be decided. An approval past its expiry is
 * expired on the spot (it counts as rejected), so a stale tap can never let work through.
 */
export async function loadPendingApproval(
  deps: Deps,
  taskId: string,
  to: TaskStatus,
): Promise<Result<{ task: Task; approval: Approval }, DomainError>> {
  const task = await deps.tasks.get(taskId);
  if (!task) return err({ code: 'not_found', entity: 'task', id: taskId });
  const approval =
    task.status === 'awaiting_approval' ? await deps.approvals.pendingForTask(taskId) : null;
  if (!approval) return explainMiss(deps, taskId, to);
  if (approval.expiresAt <= deps.clock.now().toISOString()) {
    await expireApproval(deps, { id: 'system', role: 'system', channel: 'system' }, approval);
    return err({ code: 'approval_expired', taskId, expiredAt: approval.expiresAt });
  }
  return ok({ task, approval });
}

/** Moves a task whose gate timed out to `expired`; a no-op if someone decided first. */
export async function expireApproval(
  deps: Deps,
  actor: Actor,
  approval: Approval,
): Promise<Task | null> {
  const at = deps.clock.now().toISOString();
  const task = await deps.tasks.transition({
    taskId: approval.taskId,
    from: ['awaiting_approval'],
    to: 'expired',
    at,
    changeId: deps.ids.next(),
    approval: {
      status: 'expired',
      decidedBy: actor.id,
      decidedChannel: actor.channel,
      decidedAt: at,
      reason: 'timed out',
    },
    audit: [
      auditEntry(deps, actor, at, 'task.approval_expired', taskSubject(approval.taskId), {
        expires_at: approval.expiresAt,
      }),
    ],
  });
  if (task) await notifySafely(deps, { type: 'task.changed', task, from: 'awaiting_approval' });
  return task;
}
