import type { Actor } from '../actor.js';
import { taskSubject } from '../audit.js';
import {
  againstLimits,
  breakerKey,
  budgetFor,
  estimateTaskUsd,
  stateFor,
  statesBefore,
  taskBreaker,
  type Breaker,
} from '../breaker.js';
import type { CoreDeps } from '../deps.js';
import type { Task } from '../task.js';
import { auditEntry, notifySafely } from './support.js';

type Deps = Pick<CoreDeps, 'breakers' | 'breakerLimits' | 'notifier' | 'audit' | 'ids'>;
type AttemptDeps = Deps & Pick<CoreDeps, 'stages'>;

/**
 * Moves a breaker to the state its spend puts it in. The move is one conditional write, so of
 * all processes seeing the same crossing exactly one sends the alert (SPEC §3.2: once per crossing).
 */
export async function raiseOnCrossing(
  deps: Deps,
  actor: Actor,
  breaker: Breaker,
  task: Task | null,
  at: string,
): Promise<Breaker> {
  const target = stateFor(breaker.scope, breaker.spentUsd, deps.breakerLimits);
  const from = statesBefore(target);
  if (!from.includes(breaker.state)) return breaker;
  const moved = await deps.breakers.advance(breaker.key, from, target, at);
  if (!moved) return breaker;
  await crossed(deps, actor, moved, task, at);
  return moved;
}

/**
 * One crossing: on the record (a task's own breaker in that task's audit, so its warn and halt
 * show in its history) and alerted, with the limits configured now.
 */
async function crossed(deps: Deps, actor: Actor, moved: Breaker, task: Task | null, at: string) {
  const shown = againstLimits(moved, deps.breakerLimits);
  const subject = moved.scope === 'task' ? taskSubject(moved.period) : `breaker:${moved.key}`;
  await deps.audit.append(
    auditEntry(deps, actor, at, 'breaker.crossed', subject, {
      breaker: moved.key,
      state: shown.state,
      spent_usd: shown.spentUsd,
      threshold_usd: shown.thresholdUsd,
      task_id: task?.id ?? null,
    }),
  );
  await notifySafely(deps, { type: 'breaker.alert', breaker: shown, task });
}

/** A running task's streamed spend so far; returns its task breaker after the crossing check. */
export async function recordTaskSpend(
  deps: Deps,
  actor: Actor,
  task: Task,
  spentUsd: number,
  at: string,
): Promise<Breaker> {
  const fresh = taskBreaker(task.id, deps.breakerLimits, at);
  const booked = await deps.breakers.book({ fresh, at, minSpentUsd: spentUsd });
  return raiseOnCrossing(deps, actor, booked, task, at);
}

/**
 * Books a finished stage: its reservation is released and its cost added to the UTC day and
 * month it started in (where it was reserved), then each breaker is checked for a crossing.
 */
export async function settleStageSpend(
  deps: Deps,
  actor: Actor,
  input: {
    readonly task: Task;
    readonly startedAt: string;
    readonly costUsd: number;
    readonly at: string;
  },
): Promise<void> {
  const { task, at } = input;
  const cost = Math.max(0, input.costUsd);
  const { day, month } = budgetFor(input.startedAt, deps.breakerLimits);
  const releaseUsd = estimateTaskUsd(task, deps.breakerLimits);
  const dayAfter = await deps.breakers.book({ fresh: day, at, addSpentUsd: cost, releaseUsd });
  const monthAfter = await deps.breakers.book({ fresh: month, at, addSpentUsd: cost });
  await raiseOnCrossing(deps, actor, dayAfter, task, at);
  await raiseOnCrossing(deps, actor, monthAfter, task, at);
  if (cost > 0) await recordTaskSpend(deps, actor, task, cost, at);
}

/**
 * Settles the attempt a fencing token names, however it ended: completed (its reported cost),
 * or cancelled / reaped while running (`costUsd` null: no report will come, so what its
 * streamed usage showed is booked — the CLI spent it — and its reservation is released).
 */
export async function settleAttempt(
  deps: AttemptDeps,
  actor: Actor,
  input: {
    readonly task: Task;
    readonly fencingToken: number;
    readonly costUsd: number | null;
    readonly at: string;
  },
): Promise<void> {
  const estimate = estimateTaskUsd(input.task, deps.breakerLimits);
  // Nothing reserved and nothing spent (a shell command) moves no breaker: no write, no check.
  if ((input.costUsd ?? 0) <= 0 && estimate <= 0) return;
  const costUsd = input.costUsd ?? (await streamedSpend(deps, input.task));
  const attempt = (await deps.stages.listByTask(input.task.id)).find(
    (s) => s.fencingToken === input.fencingToken,
  );
  await settleStageSpend(deps, actor, {
    task: input.task,
    startedAt: attempt?.startedAt ?? input.at,
    costUsd,
    at: input.at,
  });
}

/**
 * What an unreported attempt spent, as far as anyone knows: the task breaker's streamed total
 * beyond what the task's reported attempts cost. A ledger that cannot be read gives 0 (the
 * reservation is still released; the next read fails closed anyway).
 */
async function streamedSpend(deps: AttemptDeps, task: Task): Promise<number> {
  try {
    const own = await deps.breakers.get(breakerKey('task', task.id));
    return Math.max(0, (own?.spentUsd ?? 0) - task.costUsd);
  } catch {
    return 0;
  }
}
