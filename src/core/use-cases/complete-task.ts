import { taskSubject } from '../audit.js';
import type { CoreDeps } from '../deps.js';
import type { DomainError } from '../errors.js';
import { ok, type Result } from '../result.js';
import type { StageResult, StoredOutput } from '../stage.js';
import type { Task } from '../task.js';
import { explainLeaseMiss } from './lease-check.js';
import { recordModelRun } from './record-model-run.js';
import { settleAttempt } from './spend-ledger.js';
import {
  auditEntry,
  denyUnlessAllowed,
  notifySafely,
  ownLease,
  type UseCaseArgs,
} from './support.js';

type Deps = Pick<
  CoreDeps,
  | 'tasks'
  | 'stages'
  | 'audit'
  | 'clock'
  | 'ids'
  | 'notifier'
  | 'modelStats'
  | 'breakers'
  | 'breakerLimits'
>;

export type CompletionOutcome = 'succeeded' | 'failed' | 'timed_out';

export interface CompleteTaskInput {
  readonly taskId: string;
  readonly fencingToken: number;
  readonly outcome: CompletionOutcome;
  readonly result: StageResult;
  /** The attempt's capped output (absent when the runner had nothing to store). */
  readonly output?: StoredOutput | undefined;
}

/**
 * Records how an attempt ended. Only the current lease holder may report: a report carrying a
 * stale fencing token (the task was reaped, cancelled or re-claimed) is refused. A lease that
 * lapsed but was not reaped yet still counts: nobody else can have taken the task meanwhile.
 */
export async function completeTask({
  deps,
  actor,
  input,
}: UseCaseArgs<Deps, CompleteTaskInput>): Promise<Result<Task, DomainError>> {
  const denied = await denyUnlessAllowed(deps, actor, 'task.report', taskSubject(input.taskId));
  if (denied) return denied;
  const at = deps.clock.now().toISOString();
  const { result } = input;
  const task = await deps.tasks.transition({
    taskId: input.taskId,
    from: ['running'],
    to: input.outcome,
    at,
    changeId: deps.ids.next(),
    fencingToken: input.fencingToken,
    ...ownLease(actor),
    stage: { outcome: input.outcome, result, output: input.output },
    audit: [
      auditEntry(deps, actor, at, `task.${input.outcome}`, taskSubject(input.taskId), {
        exit_code: result.exitCode,
        error_class: result.errorClass,
        cost_usd: result.costUsd,
        latency_ms: result.latencyMs,
      }),
    ],
  });
  if (!task)
    return explainLeaseMiss(deps, input.taskId, input.fencingToken, ownLease(actor).leaseOwner);
  // Right after the completion is stored, and only when it was (a refused late report adds
  // nothing); recordModelRun never fails the completion.
  await recordModelRun(deps, {
    executor: task.executor ?? 'shell',
    taskKind: task.kind,
    success: input.outcome === 'succeeded',
    costUsd: result.costUsd,
    latencyMs: result.latencyMs,
    tokens: result.tokensIn + result.tokensOut,
    at,
  });
  await notifySafely(deps, { type: 'task.changed', task, from: 'running' });
  // The reservation made at claim time is released and the real cost booked on the day and
  // month it was reserved on (the attempt's start), so a run across midnight settles correctly.
  await settleAttempt(deps, {
    task,
    fencingToken: input.fencingToken,
    costUsd: result.costUsd,
    at,
  });
  return ok(task);
}
