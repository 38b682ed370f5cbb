import { isAllowed, type Action, type Actor } from '../actor.js';
import type { AuditAction, AuditEvent } from '../audit.js';
import type { CoreDeps } from '../deps.js';
import type { DomainError } from '../errors.js';
import type { DomainEvent } from '../events.js';
import { err } from '../result.js';
import type { TaskStatus } from '../task.js';

/** The uniform signature of a use case: who acts, what they ask, what they may touch. */
export interface UseCaseArgs<D, I> {
  readonly deps: D;
  readonly actor: Actor;
  readonly input: I;
}

export const addSeconds = (at: Date, seconds: number): string =>
  new Date(at.getTime() + seconds * 1000).toISOString();

export function auditEntry(
  deps: Pick<CoreDeps, 'ids'>,
  actor: Actor,
  at: string,
  action: AuditAction,
  subject: string,
  detail: Record<string, unknown> = {},
): AuditEvent {
  return {
    id: deps.ids.next(),
    at,
    actor: actor.id,
    channel: actor.channel,
    action,
    subject,
    detail,
  };
}

/** Refusals are audited too: who tried what, from where. */
export async function denyUnlessAllowed(
  deps: Pick<CoreDeps, 'ids' | 'clock' | 'audit'>,
  actor: Actor,
  action: Action,
  subject: string,
): Promise<{ ok: false; error: DomainError } | null> {
  if (isAllowed(actor, action)) return null;
  const at = deps.clock.now().toISOString();
  await deps.audit.append(
    auditEntry(deps, actor, at, 'access.denied', subject, { action, role: actor.role }),
  );
  return err({ code: 'forbidden', action, role: actor.role });
}

/** A failed notification never undoes the change it reports (see the Notifier port). */
export async function notifySafely(
  deps: Pick<CoreDeps, 'notifier'>,
  event: DomainEvent,
): Promise<void> {
  try {
    await deps.notifier.notify(event);
  } catch {
    // The notifier logs its own failures; the state change already happened.
  }
}

/** A runner acts only as itself; the system (an embedded runner, the reaper) may act for any. */
export const ownLease = (actor: Actor): { leaseOwner?: string } =>
  actor.role === 'runner' ? { leaseOwner: actor.id } : {};

/** Why a guarded move did not apply: the task is gone, decided, or elsewhere in its life. */
export async function explainMiss(
  deps: Pick<CoreDeps, 'tasks' | 'approvals'>,
  taskId: string,
  to: TaskStatus,
): Promise<{ ok: false; error: DomainError }> {
  const task = await deps.tasks.get(taskId);
  if (!task) return err({ code: 'not_found', entity: 'task', id: taskId });
  const decided = (await deps.approvals.listByTask(taskId)).findLast((a) => a.status !== 'pending');
  if (decided && task.status !== 'awaiting_approval' && (to === 'queued' || to === 'rejected')) {
    return err({
      code: 'already_decided',
      taskId,
      status: decided.status,
      decidedBy: decided.decidedBy,
    });
  }
  return err({ code: 'invalid_transition', from: task.status, to });
}
