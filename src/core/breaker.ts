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
}

export const DEFAULT_BREAKER_LIMITS: BreakerLimits = {
  taskWarnUsd: 2,
  taskHaltUsd: 5,
  dayBlockUsd: 20,
  monthFlagUsd: 80,
};

export const breakerKey = (scope: BreakerScope, period: string): string => `${scope}:${period}`;

/** UTC periods: breakers roll over at midnight UTC and on the first of the month. */
export const dayPeriod = (at: string): string => at.slice(0, 10);
export const monthPeriod = (at: string): string => at.slice(0, 7);
