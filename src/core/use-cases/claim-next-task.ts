import type { CoreDeps } from '../deps.js';
import type { DomainError } from '../errors.js';
import type { Claim } from '../ports/job-queue.js';
import { err, ok, type Result } from '../result.js';
import { addSeconds, denyUnlessAllowed, notifySafely, type UseCaseArgs } from './support.js';

type Deps = Pick<CoreDeps, 'queue' | 'audit' | 'clock' | 'ids' | 'notifier' | 'leaseS'>;

export interface ClaimNextTaskInput {
  readonly runnerId: string;
  readonly hosts?: readonly string[] | null | undefined;
}

/** Hands the oldest queued task to a runner under a fresh lease, or null when there is none. */
export async function claimNextTask({
  deps,
  actor,
  input,
}: UseCaseArgs<Deps, ClaimNextTaskInput>): Promise<Result<Claim | null, DomainError>> {
  const denied = await denyUnlessAllowed(deps, actor, 'task.claim', `runner:${input.runnerId}`);
  if (denied) return denied;
  if (actor.role === 'runner' && input.runnerId !== actor.id) {
    return err({ code: 'forbidden', action: 'task.claim', role: actor.role });
  }
  const now = deps.clock.now();
  const claim = await deps.queue.claim({
    runnerId: input.runnerId,
    hosts: input.hosts ?? null,
    now: now.toISOString(),
    leaseExpiresAt: addSeconds(now, deps.leaseS),
    changeId: deps.ids.next(),
    stageId: deps.ids.next(),
    auditId: deps.ids.next(),
  });
  if (claim) await notifySafely(deps, { type: 'task.changed', task: claim.task, from: 'queued' });
  return ok(claim);
}
