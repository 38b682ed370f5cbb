import { taskSubject } from '../audit.js';
import type { CoreDeps } from '../deps.js';
import type { DomainError } from '../errors.js';
import { ok, type Result } from '../result.js';
import { holdsLease, leaseMissFor } from './lease-check.js';
import { denyUnlessAllowed, notifySafely, ownLease, type UseCaseArgs } from './support.js';

type Deps = Pick<CoreDeps, 'tasks' | 'audit' | 'clock' | 'ids' | 'notifier'>;

/** Output shown live is capped: chat and the PWA show the last lines, not the whole stream. */
export const PROGRESS_TAIL_CHARS = 4_000;

export interface ReportProgressInput {
  readonly taskId: string;
  readonly fencingToken: number;
  readonly outputTail: string;
  readonly elapsedMs: number;
}

/**
 * Passes a running task's latest output to the notifiers (chat, PWA). Only the current lease
 * holder may report; nothing is stored — the stage and the spool file keep the output.
 */
export async function reportProgress({
  deps,
  actor,
  input,
}: UseCaseArgs<Deps, ReportProgressInput>): Promise<Result<true, DomainError>> {
  const denied = await denyUnlessAllowed(deps, actor, 'task.report', taskSubject(input.taskId));
  if (denied) return denied;
  const task = await deps.tasks.get(input.taskId);
  const owner = ownLease(actor).leaseOwner;
  if (!task || !holdsLease(task, input.fencingToken, owner)) {
    return leaseMissFor(task, input.taskId, input.fencingToken, owner);
  }
  await notifySafely(deps, {
    type: 'task.progress',
    task,
    outputTail: input.outputTail.slice(-PROGRESS_TAIL_CHARS),
    elapsedMs: input.elapsedMs,
  });
  return ok(true);
}
