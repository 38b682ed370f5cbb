import type { CoreDeps } from '../deps.js';
import type { DomainError } from '../errors.js';
import { err } from '../result.js';

/** Why a runner's heartbeat or report was refused: gone, taken over/ended, or just expired. */
export async function explainLeaseMiss(
  deps: Pick<CoreDeps, 'tasks'>,
  taskId: string,
  fencingToken: number,
  owner?: string,
): Promise<{ ok: false; error: DomainError }> {
  const task = await deps.tasks.get(taskId);
  if (!task) return err({ code: 'not_found', entity: 'task', id: taskId });
  if (
    task.status !== 'running' ||
    task.fencingToken !== fencingToken ||
    !task.leaseExpiresAt ||
    (owner !== undefined && task.leaseOwner !== owner)
  ) {
    return err({ code: 'lease_lost', taskId });
  }
  return err({ code: 'lease_expired', taskId, expiredAt: task.leaseExpiresAt });
}
