export const BREAKER_SCOPES = ['task', 'day', 'month'] as const;
export type BreakerScope = (typeof BREAKER_SCOPES)[number];

export const BREAKER_STATES = ['ok', 'warn', 'open', 'flagged'] as const;
export type BreakerState = (typeof BREAKER_STATES)[number];

/** Spend limits and their current state for one scope and period (e.g. day 2026-11-22, UTC). */
export interface Breaker {
  readonly key: string;
  readonly scope: BreakerScope;
  readonly period: string;
  readonly thresholdUsd: number;
  readonly spentUsd: number;
  readonly reservedUsd: number;
  readonly state: BreakerState;
  readonly overriddenBy: string | null;
  readonly updatedAt: string;
}

export interface BreakerLimits {
  readonly taskWarnUsd: number;
  readonly taskHaltUsd: number;
  readonly dayBlockUsd: number;
  readonly monthFlagUsd: number;
  /** What an agent task is expected to cost, per executor name; reserved before it starts. */
  readonly estimateUsd?: Readonly<Record<string, number>> | undefined;
  /** The estimate of an agent task whose executor has none configured. */
  readonly defaultEstimateUsd?: number | undefined;
}

export const DEFAULT_ESTIMATE_USD = 0.5;

export const DEFAULT_BREAKER_LIMITS: BreakerLimits = {
  taskWarnUsd: 2,
  taskHaltUsd: 5,
  dayBlockUsd: 20,
  monthFlagUsd: 80,
  estimateUsd: {},
  defaultEstimateUsd: DEFAULT_ESTIMATE_USD,
};

export const breakerKey = (scope: BreakerScope, period: string): string => `${scope}:${period}`;

/** UTC periods: breakers roll over at midnight UTC and on the first of the month. */
export const dayPeriod = (at: string): string => at.slice(0, 10);
export const monthPeriod = (at: string): string => at.slice(0, 7);

/**
 * Dollar sums are floats (0.1 + 0.2 ≠ 0.3): a threshold counts as reached within a
 * nano-dollar, so $19.99 + $0.01 reaches $20.00 and $1.99 stays below $2.00.
 */
export const USD_EPSILON = 1e-9;
export const reaches = (usd: number, thresholdUsd: number): boolean =>
  usd >= thresholdUsd - USD_EPSILON;

/** Kinds that run a paid CLI; shell and template work costs nothing and reserves nothing. */
const PAID_KINDS: ReadonlySet<string> = new Set(['agent', 'consensus']);

/** What a task reserves against the day before it starts (SPEC §3.2). */
export function estimateTaskUsd(
  task: { readonly kind: string; readonly executor: string | null },
  limits: Pick<BreakerLimits, 'estimateUsd' | 'defaultEstimateUsd'>,
): number {
  if (!PAID_KINDS.has(task.kind)) return 0;
  const configured = task.executor === null ? undefined : limits.estimateUsd?.[task.executor];
  return configured ?? limits.defaultEstimateUsd ?? DEFAULT_ESTIMATE_USD;
}

/** A dispatch fits when the day's spend, what is reserved and its estimate stay within the limit. */
export function fitsDay(day: Breaker, estimateUsd: number): boolean {
  if (day.overriddenBy !== null || estimateUsd <= 0) return true;
  return day.spentUsd + day.reservedUsd + estimateUsd <= day.thresholdUsd + USD_EPSILON;
}

/** A breaker for a period nobody has spent in yet. */
export function freshBreaker(
  scope: BreakerScope,
  period: string,
  thresholdUsd: number,
  at: string,
): Breaker {
  return {
    key: breakerKey(scope, period),
    scope,
    period,
    thresholdUsd,
    spentUsd: 0,
    reservedUsd: 0,
    state: 'ok',
    overriddenBy: null,
    updatedAt: at,
  };
}

/** The per-task breaker: its period is the task id, its threshold the halt limit. */
export const taskBreaker = (taskId: string, limits: BreakerLimits, at: string): Breaker =>
  freshBreaker('task', taskId, limits.taskHaltUsd, at);

/** Where the spend of a task that started at `startedAt` is booked: that UTC day and month. */
export function budgetFor(startedAt: string, limits: BreakerLimits) {
  return {
    day: freshBreaker('day', dayPeriod(startedAt), limits.dayBlockUsd, startedAt),
    month: freshBreaker('month', monthPeriod(startedAt), limits.monthFlagUsd, startedAt),
  };
}

/** The state a spend total puts a breaker in; states only move forward within a period. */
export function stateFor(
  scope: BreakerScope,
  spentUsd: number,
  limits: BreakerLimits,
): BreakerState {
  switch (scope) {
    case 'task':
      return reaches(spentUsd, limits.taskHaltUsd)
        ? 'open'
        : reaches(spentUsd, limits.taskWarnUsd)
          ? 'warn'
          : 'ok';
    case 'day':
      return reaches(spentUsd, limits.dayBlockUsd) ? 'open' : 'ok';
    case 'month':
      return reaches(spentUsd, limits.monthFlagUsd) ? 'flagged' : 'ok';
  }
}

/** The configured limit a scope is held to (a task's breaker is its halt limit). */
export function limitFor(scope: BreakerScope, limits: BreakerLimits): number {
  switch (scope) {
    case 'task':
      return limits.taskHaltUsd;
    case 'day':
      return limits.dayBlockUsd;
    case 'month':
      return limits.monthFlagUsd;
  }
}

const sameUsd = (a: number, b: number): boolean => Math.abs(a - b) <= USD_EPSILON;

/**
 * A stored breaker as the limits configured now see it: a row keeps the limit it was written
 * with, so its limit is read from config and its state from its spend against that limit.
 */
export function againstLimits(b: Breaker, limits: BreakerLimits): Breaker {
  return {
    ...b,
    thresholdUsd: limitFor(b.scope, limits),
    state: stateFor(b.scope, b.spentUsd, limits),
  };
}

/**
 * A row brought to the limit configured now. A state set against another limit starts over at
 * ok, so the next crossing check raises it (and alerts) against the limit that applies now.
 */
export function relimited(b: Breaker, thresholdUsd: number): Breaker {
  return sameUsd(b.thresholdUsd, thresholdUsd) ? b : { ...b, thresholdUsd, state: 'ok' };
}

/** States a breaker may move to `to` from (ok → warn → open; ok → flagged). */
export function statesBefore(to: BreakerState): readonly BreakerState[] {
  switch (to) {
    case 'ok':
      return [];
    case 'warn':
      return ['ok'];
    case 'open':
      return ['ok', 'warn'];
    case 'flagged':
      return ['ok'];
  }
}
