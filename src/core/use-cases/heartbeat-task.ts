import type { CoreDeps } from '../deps.js';
import type { DomainError } from '../errors.js';
import type { Lease } from '../ports/job-queue.js';
import { ok, type Result } from '../result.js';
import { explainLeaseMiss } from './lease-check.js';
import { addSeconds, denyUnlessAllowed, type UseCaseArgs } from './support.js';

type Deps = Pick<CoreDeps, 'queue' | 'tasks' | 'audit' | 'clock' | 'ids' | 'leaseS'>;

export interface HeartbeatTaskInput {
  readonly taskId: string;
  readonly fencingToken: number;
}

/**
 * Extends a live lease. A refusal means stop: the task was cancelled, reaped or re-claimed,
 * and the runner must kill what it started.
 */
export async function heartbeatTask({
  deps,
  actor,
  input,
}: UseCaseArgs<Deps, HeartbeatTaskInput>): Promise<Result<Lease, DomainError>> {
  const denied = await denyUnlessAllowed(deps, actor, 'task.report', `task:${input.taskId}`);
  if (denied) return denied;
  const now = deps.clock.now();
  const lease = await deps.queue.heartbeat({
    taskId: input.taskId,
    fencingToken: input.fencingToken,
    ...(actor.role === 'runner' ? { runnerId: actor.id } : {}),
    now: now.toISOString(),
    leaseExpiresAt: addSeconds(now, deps.leaseS),
  });
  return lease ? ok(lease) : explainLeaseMiss(deps, actor, input.taskId, input.fencingToken);
}
