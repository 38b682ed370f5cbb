import type { DomainError } from './errors.js';
import { err, ok, type Result } from './result.js';
import type { TaskStatus } from './task.js';

/**
 * Every legal move of a task. Anything not listed is refused; the stores apply a move only
 * while the task is still in its `from` state, so concurrent writers cannot both win.
 */
export const TRANSITIONS: Readonly<Record<TaskStatus, readonly TaskStatus[]>> = {
  draft: ['awaiting_approval', 'queued', 'cancelled'],
  awaiting_approval: ['queued', 'rejected', 'expired', 'cancelled'],
  queued: ['running', 'cancelled'],
  // running → queued: the reaper requeues idempotent work whose lease expired.
  running: ['succeeded', 'failed', 'timed_out', 'cancelled', 'lost', 'queued'],
  succeeded: [],
  failed: [],
  cancelled: [],
  timed_out: [],
  rejected: [],
  expired: [],
  lost: [],
};

export const canTransition = (from: TaskStatus, to: TaskStatus): boolean =>
  TRANSITIONS[from].includes(to);

export function checkTransition(from: TaskStatus, to: TaskStatus): Result<TaskStatus, DomainError> {
  return canTransition(from, to) ? ok(to) : err({ code: 'invalid_transition', from, to });
}

/** States a task may be in for `target` to be reachable: the `from` guard of a store write. */
export const sourcesOf = (target: TaskStatus): TaskStatus[] =>
  (Object.keys(TRANSITIONS) as TaskStatus[]).filter((from) => canTransition(from, target));
