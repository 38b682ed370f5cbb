import { freshBreaker, dayPeriod, DEFAULT_ESTIMATE_USD } from '../breaker.js';
import type { CoreDeps } from '../deps.js';
import type { DomainError } from '../errors.js';
import type { Claim } from '../ports/job-queue.js';
import { err, ok, type Result } from '../result.js';
import { blockedSummary } from '../spend.js';
import {
  addSeconds,
  auditEntry,
  denyUnlessAllowed,
  notifySafely,
  type UseCaseArgs,
} from './support.js';

type Deps = Pick<
  CoreDeps,
  'queue' | 'audit' | 'clock' | 'ids' | 'notifier' | 'leaseS' | 'breakers' | 'breakerLimits'
>;

export interface ClaimNextTaskInput {
  readonly runnerId: string;
  /** The hosts this runner may be given work on: its token's, or the embedded runner's own. */
  readonly serves: readonly string[];
  /** The hosts it asks for now (those it can reach); absent: every host it serves. */
  readonly hosts?: readonly string[] | null | undefined;
}

/** Tasks a single claim may fail as blocked before it gives up looking for one that fits. */
const MAX_BLOCKED_PER_CLAIM = 10;

/**
 * Hands the oldest queued task that fits the day's spend breaker to a runner under a fresh
 * lease, with its estimated cost reserved in the same write; or null when there is none. A
 * queued task the day has no room for fails as `blocked_by_breaker` (a clear outcome in chat,
 * rather than a task left waiting for midnight). If the ledger cannot be read or written the
 * claim throws: nothing starts (fail closed).
 */
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
  const hosts = input.hosts ?? input.serves;
  const unserved = hosts.filter((h) => !input.serves.includes(h));
  // Asking for more than the token names is refused, not trimmed: the operator sees the
  // mismatch in the runner's log instead of tasks that silently never run.
  if (input.serves.length === 0 || unserved.length > 0) {
    const at = deps.clock.now().toISOString();
    await deps.audit.append(
      auditEntry(deps, actor, at, 'access.denied', `runner:${input.runnerId}`, {
        action: 'task.claim',
        role: actor.role,
        reason: 'host_not_served',
        hosts: unserved,
      }),
    );
    return err({ code: 'host_not_served', runnerId: input.runnerId, hosts: unserved });
  }
  const limits = deps.breakerLimits;
  for (let i = 0; i < MAX_BLOCKED_PER_CLAIM; i += 1) {
    const now = deps.clock.now();
    const at = now.toISOString();
    const day = freshBreaker('day', dayPeriod(at), limits.dayBlockUsd, at);
    const { claim, blocked } = await deps.queue.claimWithinBudget(
      {
        runnerId: input.runnerId,
        hosts,
        now: at,
        leaseExpiresAt: addSeconds(now, deps.leaseS),
        changeId: deps.ids.next(),
        stageId: deps.ids.next(),
        auditId: deps.ids.next(),
      },
      {
        day,
        estimateUsd: limits.estimateUsd ?? {},
        defaultEstimateUsd: limits.defaultEstimateUsd ?? DEFAULT_ESTIMATE_USD,
        blockSummary: blockedSummary(day),
        blockChangeId: deps.ids.next(),
        blockStageId: deps.ids.next(),
        blockAuditId: deps.ids.next(),
      },
    );
    // A misfit fails with its reason and is audited (task.blocked); the day's state still
    // follows its spend alone, so a refused estimate does not show the day as over its limit.
    if (blocked) await notifySafely(deps, { type: 'task.changed', task: blocked, from: 'queued' });
    if (claim) await notifySafely(deps, { type: 'task.changed', task: claim.task, from: 'queued' });
    if (claim || !blocked) return ok(claim);
  }
  return ok(null);
}
