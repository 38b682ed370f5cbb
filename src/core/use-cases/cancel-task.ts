import { taskSubject } from '../audit.js';
import type { CoreDeps } from '../deps.js';
import type { DomainError } from '../errors.js';
import { CONSENSUS_RUNG } from '../escalation.js';
import { EMPTY_STAGE_RESULT } from '../stage.js';
import { ok, type Result } from '../result.js';
import { sourcesOf } from '../task-state-machine.js';
import type { Task } from '../task.js';
import { settleAttempt } from './spend-ledger.js';
import {
  auditEntry,
  denyUnlessAllowed,
  explainMiss,
  notifySafely,
  type UseCaseArgs,
} from './support.js';

type Deps = Pick<
  CoreDeps,
  | 'tasks'
  | 'stages'
  | 'approvals'
  | 'audit'
  | 'clock'
  | 'ids'
  | 'notifier'
  | 'breakers'
  | 'breakerLimits'
>;

export interface CancelTaskInput {
  readonly taskId: string;
  readonly reason?: string | undefined;
}

/**
 * Cancels at any point before the task finishes. A running task is cancelled in the store at
 * once; its runner sees the next heartbeat refused and kills the process tree.
 */
export async function cancelTask({
  deps,
  actor,
  input,
}: UseCaseArgs<Deps, CancelTaskInput>): Promise<Result<Task, DomainError>> {
  const denied = await denyUnlessAllowed(deps, actor, 'task.cancel', taskSubject(input.taskId));
  if (denied) return denied;
  const before = await deps.tasks.get(input.taskId);
  if (!before) return explainMiss(deps, input.taskId, 'cancelled');
  const at = deps.clock.now().toISOString();
  const reason = input.reason?.trim() || null;
  const task = await deps.tasks.transition({
    taskId: input.taskId,
    from: sourcesOf('cancelled'),
    to: 'cancelled',
    at,
    changeId: deps.ids.next(),
    approval: {
      status: 'cancelled',
      decidedBy: actor.id,
      decidedChannel: actor.channel,
      decidedAt: at,
      reason,
    },
    stage: { outcome: 'cancelled', result: EMPTY_STAGE_RESULT },
    audit: [
      auditEntry(deps, actor, at, 'task.cancelled', taskSubject(input.taskId), {
        from: before.status,
        reason,
      }),
    ],
  });
  if (!task) return explainMiss(deps, input.taskId, 'cancelled');
  await notifySafely(deps, { type: 'task.changed', task, from: before.status });
  // Its runner's report will be refused: the claim's reservation is released here. A task
  // waiting on its consensus rung holds no claim (each side settles its own).
  if (before.status === 'running' && before.executor !== CONSENSUS_RUNG) {
    await settleAttempt(deps, actor, {
      task,
      fencingToken: before.fencingToken,
      costUsd: null,
      at,
    });
  }
  return ok(task);
}
