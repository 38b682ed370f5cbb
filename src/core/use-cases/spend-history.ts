import type { Breaker } from '../breaker.js';
import { dayPeriod, monthPeriod } from '../breaker.js';
import type { CoreDeps } from '../deps.js';
import type { DomainError } from '../errors.js';
import { ok, type Result } from '../result.js';
import { denyUnlessAllowed, type UseCaseArgs } from './support.js';

type Deps = Pick<CoreDeps, 'breakers' | 'breakerLimits' | 'clock' | 'ids' | 'audit'>;

export interface DailySpend {
  /** UTC day, YYYY-MM-DD. */
  readonly day: string;
  readonly spentUsd: number;
  readonly overridden: boolean;
}

export interface SpendHistory {
  readonly days: readonly DailySpend[];
  readonly monthSpentUsd: number;
  readonly dayThresholdUsd: number;
  readonly monthThresholdUsd: number;
}

export const SPEND_HISTORY_MAX_DAYS = 90;

/** The `days` UTC days ending with `today`, oldest first; a day nobody spent in is $0. */
export function dailySeries(
  breakers: readonly Breaker[],
  today: string,
  days: number,
): DailySpend[] {
  const byDay = new Map(breakers.filter((b) => b.scope === 'day').map((b) => [b.period, b]));
  const end = Date.parse(`${today}T00:00:00.000Z`);
  return Array.from({ length: days }, (_, i) => {
    const day = new Date(end - (days - 1 - i) * 86_400_000).toISOString().slice(0, 10);
    const b = byDay.get(day);
    return { day, spentUsd: b?.spentUsd ?? 0, overridden: (b?.overriddenBy ?? null) !== null };
  });
}

/** The spend chart's data: what each recent UTC day cost, against the configured limits. */
export async function spendHistory({
  deps,
  actor,
  input,
}: UseCaseArgs<Deps, { readonly days: number }>): Promise<Result<SpendHistory, DomainError>> {
  const denied = await denyUnlessAllowed(deps, actor, 'task.read', 'spend');
  if (denied) return denied;
  const at = deps.clock.now().toISOString();
  const all = await deps.breakers.list();
  const month = all.find((b) => b.scope === 'month' && b.period === monthPeriod(at));
  return ok({
    days: dailySeries(
      all,
      dayPeriod(at),
      Math.min(Math.max(1, input.days), SPEND_HISTORY_MAX_DAYS),
    ),
    monthSpentUsd: month?.spentUsd ?? 0,
    dayThresholdUsd: deps.breakerLimits.dayBlockUsd,
    monthThresholdUsd: deps.breakerLimits.monthFlagUsd,
  });
}
