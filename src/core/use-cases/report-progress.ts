import { taskSubject } from '../audit.js';
import { reaches } from '../breaker.js';
import type { CoreDeps } from '../deps.js';
import type { DomainError } from '../errors.js';
import { ok, type Result } from '../result.js';
import { holdsLease, refuseLeaseMiss } from './lease-check.js';
import { recordTaskSpend } from './spend-ledger.js';
import { denyUnlessAllowed, notifySafely, ownLease, type UseCaseArgs } from './support.js';

type Deps = Pick<
  CoreDeps,
  'tasks' | 'audit' | 'clock' | 'ids' | 'notifier' | 'breakers' | 'breakerLimits'
>;

/** Output shown live is capped: chat and the PWA show the last lines, not the whole stream. */
export const PROGRESS_TAIL_CHARS = 4_000;

export interface ReportProgressInput {
  readonly taskId: string;
  readonly fencingToken: number;
  readonly outputTail: string;
  readonly elapsedMs: number;
  /** The run's spend so far, from the CLI's streamed usage (absent when it streams none). */
  readonly costUsd?: number | null | undefined;
}

/** halt: the task's spend crossed the per-task halt limit; the runner kills it (SPEC §3.2). */
export interface ProgressAck {
  readonly halt: boolean;
}

/**
 * Passes a running task's latest output to the notifiers (chat, PWA). Only the current lease
 * holder may report; the output is not stored (the stage and the spool file keep it), the
 * streamed spend is: it moves the task's breaker (warn alert, then halt).
 */
export async function reportProgress({
  deps,
  actor,
  input,
}: UseCaseArgs<Deps, ReportProgressInput>): Promise<Result<ProgressAck, DomainError>> {
  const denied = await denyUnlessAllowed(deps, actor, 'task.report', taskSubject(input.taskId));
  if (denied) return denied;
  const task = await deps.tasks.get(input.taskId);
  const owner = ownLease(actor).leaseOwner;
  if (!task || !holdsLease(task, input.fencingToken, owner)) {
    return refuseLeaseMiss(deps, actor, task, input.taskId, input.fencingToken);
  }
  await notifySafely(deps, {
    type: 'task.progress',
    task,
    outputTail: input.outputTail.slice(-PROGRESS_TAIL_CHARS),
    elapsedMs: input.elapsedMs,
  });
  if (input.costUsd === null || input.costUsd === undefined || input.costUsd <= 0) {
    return ok({ halt: false });
  }
  const at = deps.clock.now().toISOString();
  const breaker = await recordTaskSpend(deps, actor, task, input.costUsd, at);
  return ok({
    halt: breaker.state === 'open' || reaches(input.costUsd, deps.breakerLimits.taskHaltUsd),
  });
}
