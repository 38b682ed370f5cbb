import { taskSubject } from '../audit.js';
import type { CoreDeps } from '../deps.js';
import type { DomainError } from '../errors.js';
import { ok, type Result } from '../result.js';
import type { StageResult, StoredOutput } from '../stage.js';
import type { Task } from '../task.js';
import { CLIMBABLE_FAILURES, nextRung } from '../escalation.js';
import { explainLeaseMiss } from './lease-check.js';
import { recordModelRun } from './record-model-run.js';
import {
  auditEntry,
  denyUnlessAllowed,
  notifySafely,
  ownLease,
  type UseCaseArgs,
} from './support.js';

type Deps = Pick<
  CoreDeps,
  'tasks' | 'stages' | 'audit' | 'clock' | 'ids' | 'notifier' | 'modelStats' | 'ladder' | 'catalog'
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
  const next = nextRung({
    ladder: deps.ladder,
    current: task.executor,
    tried: [...tried, task.executor],
    executors: deps.catalog.executors,
  });
  return next.kind === 'executor'
    ? { from: task.executor, executor: next.executor, skipped: next.skipped }
    : null;
}
