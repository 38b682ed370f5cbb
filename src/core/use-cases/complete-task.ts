import { taskSubject } from '../audit.js';
import type { CoreDeps } from '../deps.js';
import type { DomainError } from '../errors.js';
import { ok, type Result } from '../result.js';
import type { StageResult, StoredOutput } from '../stage.js';
import type { Task } from '../task.js';
import { CLIMBABLE_FAILURES, CONSENSUS_RUNG, type NextRung } from '../escalation.js';
import { planClimb, skippedDetail } from './plan-climb.js';
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
  const next = climb?.next;
  // A climb is another attempt of the same task on the next rung: back to the queue. A
  // consensus rung waits there too, under CONSENSUS_RUNG, which no runner claims.
  const to = next && next.kind !== 'human' ? 'queued' : input.outcome;
  const executor =
    next?.kind === 'executor' ? next.executor : next?.kind === 'consensus' ? CONSENSUS_RUNG : null;
  const task = await deps.tasks.transition({
    taskId: input.taskId,
    from: ['running'],
    to,
    ...(executor ? { executor } : {}),
    at,
    changeId: deps.ids.next(),
    fencingToken: input.fencingToken,
    ...ownLease(actor),
    stage: { outcome: input.outcome, result, output: input.output },
    audit: [
      climb && next && executor
        ? auditEntry(deps, actor, at, 'task.escalated', taskSubject(input.taskId), {
            ...detail,
            from: climb.from,
            to: executor,
            ...(next.kind === 'consensus' ? { sides: next.executors } : {}),
            ...skippedDetail(next.skipped),
          })
        : auditEntry(deps, actor, at, `task.${input.outcome}`, taskSubject(input.taskId), {
            ...detail,
            // The ladder ended here: the operator decides (SPEC §3.3's last rung).
            ...(next?.kind === 'human' ? { ladder: 'human', ...skippedDetail(next.skipped) } : {}),
          }),
    ],
  });
  if (!task) return explainLeaseMiss(deps, actor, input.taskId, input.fencingToken);
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
  if (next?.kind === 'human') await notifySafely(deps, { type: 'task.escalation_ended', task });
  // The reservation made at claim time is released and the real cost booked on the day and
  // month it was reserved on (the attempt's start), so a run across midnight settles correctly.
  await settleAttempt(deps, actor, {
    // As it was claimed: a climb has already named the next rung's executor.
    task: climb ? { ...task, executor: climb.from } : task,
    fencingToken: input.fencingToken,
    costUsd: result.costUsd,
    at,
  });
  return ok(task);
}

/**
 * Where a failed escalating agent task goes next, or null when it does not climb: it did not
 * fail in a way another agent could fix. `human` ends the ladder: the task fails and the
 * operator gets the history in chat (the `task.escalation_ended` event).
 */
async function escalation(
  deps: Deps,
  input: CompleteTaskInput,
): Promise<{ from: string; next: NextRung } | null> {
  if (input.outcome === 'succeeded') return null;
  const failure = input.outcome === 'timed_out' ? 'timeout' : (input.result.errorClass ?? 'failed');
  if (!CLIMBABLE_FAILURES.has(failure)) return null;
  const task = await deps.tasks.get(input.taskId);
  if (!task?.escalate || task.kind !== 'agent' || !task.executor) return null;
  const next = await planClimb(deps, {
    task,
    current: task.executor,
    costUsd: input.result.costUsd,
    unsettled: true,
  });
  return { from: task.executor, next };
}
