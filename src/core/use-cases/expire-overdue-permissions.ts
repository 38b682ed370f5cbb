import { SYSTEM_ACTOR } from '../actor.js';
import { permissionSubject } from '../audit.js';
import type { CoreDeps } from '../deps.js';
import type { PermissionRequest } from '../permission.js';
import { auditEntry, notifySafely } from './support.js';

type Deps = Pick<CoreDeps, 'tasks' | 'permissions' | 'audit' | 'clock' | 'ids' | 'notifier'>;

/** Records an overdue request as expired (a denial) and tells the cards; null if it was not. */
export async function expirePermission(
  deps: Deps,
  request: PermissionRequest,
): Promise<PermissionRequest | null> {
  const at = deps.clock.now().toISOString();
  const expired = await deps.permissions.expire(
    request.id,
    at,
    auditEntry(deps, SYSTEM_ACTOR, at, 'permission.expired', permissionSubject(request.id), {
      task_id: request.taskId,
      tool_name: request.toolName,
    }),
  );
  if (!expired) return null;
  const task = await deps.tasks.get(expired.taskId);
  await notifySafely(deps, { type: 'permission.decided', request: expired, task });
  return expired;
}

/** The periodic sweep: requests nobody answered in time are denied by timeout. */
export async function expireOverduePermissions({
  deps,
}: {
  readonly deps: Deps;
}): Promise<readonly string[]> {
  const now = deps.clock.now().toISOString();
  const expired: string[] = [];
  for (const request of await deps.permissions.listOverdue(now, 100)) {
    if (await expirePermission(deps, request)) expired.push(request.id);
  }
  return expired;
}
