import {
  againstLimits,
  breakerKey,
  dayPeriod,
  freshBreaker,
  monthPeriod,
  type Breaker,
  type BreakerScope,
} from '../breaker.js';
import type { CoreDeps } from '../deps.js';

type Deps = Pick<CoreDeps, 'queue' | 'breakers' | 'clock' | 'breakerLimits'>;

export interface SystemStatus {
  readonly queueDepth: number;
  readonly breakers: readonly Breaker[];
}

/**
 * What /health shows without authentication: queue depth and the breakers of the current UTC
 * day and month (a period nobody has spent in yet reads as an untouched breaker), each against
 * the limits configured now: a row written under other limits shows the current ones.
 */
export async function getSystemStatus({ deps }: { deps: Deps }): Promise<SystemStatus> {
  const at = deps.clock.now().toISOString();
  const current = async (
    scope: BreakerScope,
    period: string,
    thresholdUsd: number,
  ): Promise<Breaker> =>
    (await deps.breakers.get(breakerKey(scope, period))) ??
    freshBreaker(scope, period, thresholdUsd, at);
  const [queueDepth, day, month] = await Promise.all([
    deps.queue.depth(),
    current('day', dayPeriod(at), deps.breakerLimits.dayBlockUsd),
    current('month', monthPeriod(at), deps.breakerLimits.monthFlagUsd),
  ]);
  return {
    queueDepth,
    breakers: [day, month].map((b) => againstLimits(b, deps.breakerLimits)),
  };
}
