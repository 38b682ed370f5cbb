import { taskSubject } from '../audit.js';
import type { CoreDeps } from '../deps.js';
import type { DomainError } from '../errors.js';
import { ok, type Result } from '../result.js';
import { EMPTY_STAGE_RESULT } from '../stage.js';
import { settleAttempt } from './spend-ledger.js';
import { auditEntry, denyUnlessAllowed, notifySafely, type UseCaseArgs } from './support.js';

type Deps = Pick<
  CoreDeps,
  | 'queue'
  | 'tasks'
  | 'stages'
  | 'audit'
  | 'clock'
  | 'ids'
  | 'notifier'
  | 'maxAttempts'
  | 'breakers'
  | 'breakerLimits'
>;

export interface ReapReport {
  readonly lost: readonly string[];
  readonly requeued: readonly string[];
}

const BATCH = 100;

/**
 * Nothing stays `running` forever: a task whose runner stopped heartbeating becomes `lost`,
 * or goes back to the queue if it is idempotent and has attempts left.
 */
export async function reapExpiredLeases({
  deps,
  actor,
}: UseCaseArgs<Deps, Record<string, never>>): Promise<Result<ReapReport, DomainError>> {
  const denied = await denyUnlessAllowed(deps, actor, 'lease.reap', 'queue');
  if (denied) return denied;
  const at = deps.clock.now().toISOString();
  const lost: string[] = [];
  const requeued: string[] = [];
  for (const expired of await deps.queue.expiredLeases(at, BATCH)) {
    const retry = expired.idempotent && expired.attempts < deps.maxAttempts;
    const task = await deps.tasks.transition({
      taskId: expired.id,
      from: ['running'],
      to: retry ? 'queued' : 'lost',
      at,
      changeId: deps.ids.next(),
      fencingToken: expired.fencingToken,
      leaseExpiredBy: at,
      stage: { outcome: 'lost', result: { ...EMPTY_STAGE_RESULT, errorClass: 'lease_expired' } },
      audit: [
        auditEntry(
          deps,
          actor,
          at,
          retry ? 'task.requeued' : 'task.lost',
          taskSubject(expired.id),
          {
            runner: expired.leaseOwner,
            lease_expired_at: expired.leaseExpiresAt,
            attempts: expired.attempts,
          },
        ),
      ],
    });
    // null: the runner heartbeated or reported in between, so the lease was not lost after all.
    if (!task) continue;
    (retry ? requeued : lost).push(task.id);
    await notifySafely(deps, { type: 'task.changed', task, from: 'running' });
    // A lost attempt reports nothing: its reservation is released (a retry reserves again).
    await settleAttempt(deps, actor, {
      task,
      fencingToken: expired.fencingToken,
      costUsd: null,
      at,
    });
  }
  return ok({ lost, requeued });
}
