import type { CoreDeps } from '../deps.js';
import {
  againstLimits,
  breakerKey,
  dayPeriod,
  estimateTaskUsd,
  fitsDay,
  reaches,
} from '../breaker.js';
import { taskSubject } from '../audit.js';
import { CONSENSUS_RUNG, nextRung, type NextRung, type SkippedRung } from '../escalation.js';
import type { Task } from '../task.js';

type Deps = Pick<
  CoreDeps,
  'stages' | 'audit' | 'breakers' | 'breakerLimits' | 'ladder' | 'catalog' | 'clock'
>;

export interface ClimbPlanInput {
  readonly task: Task;
  /** The rung that just failed: the executor of the attempt, or `consensus`. */
  readonly current: string;
  /** What the failed rung cost and is not in `task.costUsd` yet. */
  readonly costUsd: number;
  /** Whether that cost is still to be booked on the day (a runner's report: its claim's
   * reservation is released for it); a consensus side has settled its own already. */
  readonly unsettled: boolean;
}

/** The rung after a verified failure of an escalating task (see escalation.ts). */
export async function planClimb(deps: Deps, input: ClimbPlanInput): Promise<NextRung> {
  const { task } = input;
  const [stages, consensus] = await Promise.all([
    deps.stages.listByTask(task.id),
    consensusRungOf(deps, task.id),
  ]);
  const tried = stages.map((s) => s.executor).filter((e): e is string => e !== null);
  // A consensus rung ran its sides as tasks of their own: they count as tried here too.
  const sides = consensus ? [CONSENSUS_RUNG, ...consensus.sides] : [];
  return nextRung({
    ladder: deps.ladder,
    current: input.current,
    tried: [...tried, ...sides, input.current],
    executors: deps.catalog.executors,
    affordable: await affordability(deps, input),
  });
}

/** The consensus rung this task climbed to (its sides, from the climb's audit entry), if any. */
export async function consensusRungOf(
  deps: Pick<CoreDeps, 'audit'>,
  taskId: string,
): Promise<{ readonly sides: readonly string[] } | null> {
  const trail = await deps.audit.listBySubject(taskSubject(taskId), AUDIT_LOOKBACK);
  const climb = trail.findLast(
    (e) => e.action === 'task.escalated' && e.detail.to === CONSENSUS_RUNG,
  );
  const sides = climb?.detail.sides;
  if (!Array.isArray(sides)) return null;
  return { sides: sides.filter((x): x is string => typeof x === 'string') };
}

/** A task's audit trail is short (one entry per move); this bounds a runaway one. */
const AUDIT_LOOKBACK = 500;

/** The audit detail of the rungs passed over: names (as before) and why each was. */
export const skippedDetail = (skipped: readonly SkippedRung[]) => ({
  skipped: skipped.map((s) => s.rung),
  skip_reasons: Object.fromEntries(skipped.map((s) => [s.rung, s.why])),
});

/**
 * Whether rungs' estimates fit what is left: the day's budget (with the failed rung's
 * reservation replaced by what it really cost) and the task's own halt limit across all its
 * rungs. A ledger that cannot be read affords nothing (fail closed: the operator decides).
 */
async function affordability(
  deps: Deps,
  input: ClimbPlanInput,
): Promise<(executors: readonly string[]) => boolean> {
  const { task, costUsd } = input;
  const released = input.unsettled ? estimateTaskUsd(task, deps.breakerLimits) : 0;
  const dayCost = input.unsettled ? costUsd : 0;
  const at = deps.clock.now().toISOString();
  const limits = deps.breakerLimits;
  try {
    const [day, own] = await Promise.all([
      deps.breakers.get(breakerKey('day', dayPeriod(at))),
      deps.breakers.get(breakerKey('task', task.id)),
    ]);
    // Against the day limit configured now, not the one the row was last written under.
    const dayNow = day && {
      ...againstLimits(day, limits),
      reservedUsd: Math.max(0, day.reservedUsd - released),
      spentUsd: day.spentUsd + dayCost,
    };
    // What the task has cost over all its rungs once this one is booked (its streamed
    // spend may already be in its breaker, so the larger of the two, never both).
    const taskSpent = Math.max(own?.spentUsd ?? 0, task.costUsd + costUsd);
    return (executors) => {
      const estimate = executors
        .map((executor) => estimateTaskUsd({ kind: task.kind, executor }, limits))
        .reduce((a, b) => a + b, 0);
      return (
        (dayNow === null || fitsDay(dayNow, estimate)) &&
        !reaches(taskSpent + estimate, limits.taskHaltUsd)
      );
    };
  } catch {
    return () => false;
  }
}
