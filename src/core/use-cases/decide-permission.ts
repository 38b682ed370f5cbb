import { permissionSubject } from '../audit.js';
import type { CoreDeps } from '../deps.js';
import type { DomainError } from '../errors.js';
import type { PermissionRequest } from '../permission.js';
import { err, ok, type Result } from '../result.js';
import { expirePermission } from './expire-overdue-permissions.js';
import { auditEntry, denyUnlessAllowed, notifySafely, type UseCaseArgs } from './support.js';

type Deps = Pick<CoreDeps, 'tasks' | 'permissions' | 'audit' | 'clock' | 'ids' | 'notifier'>;

export interface DecidePermissionInput {
  readonly requestId: string;
  readonly allow: boolean;
}

/** Approve once or deny an agent's tool use. Double, stale and late taps change nothing. */
export async function decidePermission({
  deps,
  actor,
  input,
}: UseCaseArgs<Deps, DecidePermissionInput>): Promise<Result<PermissionRequest, DomainError>> {
  const subject = permissionSubject(input.requestId);
  const denied = await denyUnlessAllowed(deps, actor, 'permission.decide', subject);
  if (denied) return denied;
  const asked = await deps.permissions.get(input.requestId);
  if (!asked) return err({ code: 'not_found', entity: 'permission request', id: input.requestId });
  const at = deps.clock.now().toISOString();
  const decided = await deps.permissions.decide(
    { id: asked.id, status: input.allow ? 'allowed' : 'denied', decidedBy: actor.id, at },
    auditEntry(deps, actor, at, input.allow ? 'permission.allowed' : 'permission.denied', subject, {
      task_id: asked.taskId,
      tool_name: asked.toolName,
    }),
  );
  if (!decided) {
    const current = (await deps.permissions.get(asked.id)) ?? asked;
    // Pending but overdue: the tap came too late; record the expiry now (the sweep may lag).
    const final =
      current.status === 'pending' ? ((await expirePermission(deps, current)) ?? current) : current;
    return err({
      code: 'permission_decided',
      requestId: asked.id,
      status: final.status === 'pending' ? 'expired' : final.status,
      decidedBy: final.decidedBy,
    });
  }
  const task = await deps.tasks.get(decided.taskId);
  await notifySafely(deps, { type: 'permission.decided', request: decided, task });
  return ok(decided);
}
