/** Error classes of a stage the spend breakers stopped (SPEC §3.2, §3.7). */
export const BLOCKED_BY_BREAKER = 'blocked_by_breaker';
export const HALTED_BY_BREAKER = 'halted_by_breaker';

const usd = (n: number): string => `$${n.toFixed(2)}`;

/** Why a task did not start: the day had no room for its estimate. */
export function blockedSummary(day: { readonly period: string; readonly thresholdUsd: number }) {
  return (
    `Blocked by the daily spend breaker: the ${usd(day.thresholdUsd)} limit for ${day.period} (UTC) ` +
    'has no room for this task. It resets at midnight UTC, or an owner can /override day.'
  );
}

/** Why a running task was killed: its own spend crossed the per-task halt limit. */
export function haltedSummary(spentUsd: number): string {
  return `Halted by the per-task spend breaker after ${usd(spentUsd)}: its processes were killed.`;
}
