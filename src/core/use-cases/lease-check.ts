import type { CoreDeps } from '../deps.js';
import type { DomainError } from '../errors.js';
import { err } from '../result.js';
import type { Task } from '../task.js';

/** The task is running under this fencing token (and, for a runner, under its own lease). */
export const holdsLease = (task: Task, fencingToken: number, owner?: string): boolean =>
  task.status === 'running' &&
  task.fencingToken === fencingToken &&
  (owner === undefined || task.leaseOwner === owner);

/** Why a runner's heartbeat or report was refused: gone, taken over/ended, or just expired. */
export function leaseMissFor(
  task: Task | null,
  taskId: string,
  fencingToken: number,
  owner?: string,
): { ok: false; error: DomainError } {
  if (!task) return err({ code: 'not_found', entity: 'task', id: taskId });
  if (!holdsLease(task, fencingToken, owner) || !task.leaseExpiresAt) {
    return err({ code: 'lease_lost', taskId });
  }
  return err({ code: 'lease_expired', taskId, expiredAt: task.leaseExpiresAt });
}

/** leaseMissFor, reading the task as it is now. */
export async function explainLeaseMiss(
  deps: Pick<CoreDeps, 'tasks'>,
  taskId: string,
  fencingToken: number,
  owner?: string,
): Promise<{ ok: false; error: DomainError }> {
  return leaseMissFor(await deps.tasks.get(taskId), taskId, fencingToken, owner);
}
