import { taskSubject } from '../audit.js';
import type { CoreDeps } from '../deps.js';
import type { DomainError } from '../errors.js';
import { ok, type Result } from '../result.js';
import type { StageResult, StoredOutput } from '../stage.js';
import type { Task } from '../task.js';
import { breakerKey, dayPeriod, estimateTaskUsd, fitsDay, reaches } from '../breaker.js';
import { CLIMBABLE_FAILURES, nextRung } from '../escalation.js';
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
  | 'ladder'
  | 'catalog'
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
  const climb = await escalation(deps, input);
  const detail = {
    exit_code: result.exitCode,
    error_class: result.errorClass,
    cost_usd: result.costUsd,
    latency_ms: result.latencyMs,
  };
  const task = await deps.tasks.transition({
    taskId: input.taskId,
    from: ['running'],
    // A climb is another attempt of the same task on the next rung: back to the queue.
    to: climb ? 'queued' : input.outcome,
    ...(climb ? { executor: climb.executor } : {}),
    at,
    changeId: deps.ids.next(),
    fencingToken: input.fencingToken,
    ...ownLease(actor),
    stage: { outcome: input.outcome, result, output: input.output },
    audit: [
      climb
        ? auditEntry(deps, actor, at, 'task.escalated', taskSubject(input.taskId), {
            ...detail,
            from: climb.from,
            to: climb.executor,
            skipped: climb.skipped,
          })
        : auditEntry(deps, actor, at, `task.${input.outcome}`, taskSubject(input.taskId), detail),
    ],
  });
  if (!task)
    return explainLeaseMiss(deps, input.taskId, input.fencingToken, ownLease(actor).leaseOwner);
  // Right after the completion is stored, and only when it was (a refused late report adds
  // nothing); recordModelRun never fails the completion.
  await recordModelRun(deps, {
    // The executor that ran this attempt (a climb has already moved the task to the next).
    executor: climb?.from ?? task.executor ?? 'shell',
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
    // As it was claimed: a climb has already named the next rung's executor.
    task: climb ? { ...task, executor: climb.from } : task,
    fencingToken: input.fencingToken,
    costUsd: result.costUsd,
    at,
  });
  return ok(task);
}

/**
 * The next rung for a failed escalating agent task, or null when it ends here: it did not
 * fail in a way another agent could fix, or the ladder reached `human` (the operator gets
 * the failure with every rung's stage in its history, and decides).
 */
async function escalation(
  deps: Deps,
  input: CompleteTaskInput,
): Promise<{ from: string; executor: string; skipped: readonly string[] } | null> {
  if (input.outcome === 'succeeded') return null;
  const failure = input.outcome === 'timed_out' ? 'timeout' : (input.result.errorClass ?? 'failed');
  if (!CLIMBABLE_FAILURES.has(failure)) return null;
  const task = await deps.tasks.get(input.taskId);
  if (!task?.escalate || task.kind !== 'agent' || !task.executor) return null;
  const tried = (await deps.stages.listByTask(task.id))
    .map((s) => s.executor)
    .filter((e): e is string => e !== null);
  const affordable = await affordability(deps, task, input.result.costUsd);
  const next = nextRung({
    ladder: deps.ladder,
    current: task.executor,
    tried: [...tried, task.executor],
    executors: deps.catalog.executors,
    affordable,
  });
  return next.kind === 'executor'
    ? { from: task.executor, executor: next.executor, skipped: next.skipped }
    : null;
}

/**
 * Whether a rung's estimate fits what is left: the day's budget (with this attempt's
 * reservation replaced by what it really cost) and the task's own halt limit across all its
 * rungs. A ledger that cannot be read affords nothing (fail closed: the operator decides).
 */
async function affordability(
  deps: Deps,
  task: Task,
  costUsd: number,
): Promise<(executor: string) => boolean> {
  const at = deps.clock.now().toISOString();
  const limits = deps.breakerLimits;
  try {
    const [day, own] = await Promise.all([
      deps.breakers.get(breakerKey('day', dayPeriod(at))),
      deps.breakers.get(breakerKey('task', task.id)),
    ]);
    const dayNow = day && {
      ...day,
      reservedUsd: Math.max(0, day.reservedUsd - estimateTaskUsd(task, limits)),
      spentUsd: day.spentUsd + costUsd,
    };
    // What the task has cost over all its rungs once this attempt is booked (its streamed
    // spend may already be in its breaker, so the larger of the two, never both).
    const taskSpent = Math.max(own?.spentUsd ?? 0, task.costUsd + costUsd);
    return (executor) => {
      const estimate = estimateTaskUsd({ kind: task.kind, executor }, limits);
      return (
        (dayNow === null || fitsDay(dayNow, estimate)) &&
        !reaches(taskSpent + estimate, limits.taskHaltUsd)
      );
    };
  } catch {
    return () => false;
  }
}
