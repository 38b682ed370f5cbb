import type { Actor } from '../actor.js';
import { taskSubject } from '../audit.js';
import type { CoreDeps } from '../deps.js';
import type { DomainError } from '../errors.js';
import { err } from '../result.js';
import type { Task } from '../task.js';
import { auditEntry } from './support.js';

/** The task is running under this fencing token (and, for a runner, under its own lease). */
export const holdsLease = (task: Task, fencingToken: number, owner?: string): boolean =>
  task.status === 'running' &&
  task.fencingToken === fencingToken &&
  (owner === undefined || task.leaseOwner === owner);

/**
 * Why a runner's heartbeat or report was refused: gone, taken over/ended, just expired, or
 * the current lease's fencing token sent by a runner that does not hold it (a forgery, since
 * a runner that lost its lease holds an older token).
 */
export function leaseMissFor(
  task: Task | null,
  taskId: string,
  fencingToken: number,
  owner?: string,
): { ok: false; error: DomainError } {
  if (!task) return err({ code: 'not_found', entity: 'task', id: taskId });
  if (
    owner !== undefined &&
    task.status === 'running' &&
    task.fencingToken === fencingToken &&
    task.leaseOwner !== owner
  ) {
    return err({ code: 'not_lease_holder', taskId });
  }
  if (!holdsLease(task, fencingToken, owner) || !task.leaseExpiresAt) {
    return err({ code: 'lease_lost', taskId });
  }
  return err({ code: 'lease_expired', taskId, expiredAt: task.leaseExpiresAt });
}

type RefusalDeps = Pick<CoreDeps, 'tasks' | 'audit' | 'ids' | 'clock'>;

/** leaseMissFor, with a report on someone else's lease audited (who tried, on which task). */
export async function refuseLeaseMiss(
  deps: RefusalDeps,
  actor: Actor,
  task: Task | null,
  taskId: string,
  fencingToken: number,
): Promise<{ ok: false; error: DomainError }> {
  const owner = actor.role === 'runner' ? actor.id : undefined;
  const refused = leaseMissFor(task, taskId, fencingToken, owner);
  if (refused.error.code === 'not_lease_holder') {
    const at = deps.clock.now().toISOString();
    await deps.audit.append(
      auditEntry(deps, actor, at, 'access.denied', taskSubject(taskId), {
        action: 'task.report',
        role: actor.role,
        reason: 'not_lease_holder',
        fencing_token: fencingToken,
      }),
    );
  }
  return refused;
}

/** refuseLeaseMiss, reading the task as it is now. */
export async function explainLeaseMiss(
  deps: RefusalDeps,
  actor: Actor,
  taskId: string,
  fencingToken: number,
): Promise<{ ok: false; error: DomainError }> {
  return refuseLeaseMiss(deps, actor, await deps.tasks.get(taskId), taskId, fencingToken);
}
