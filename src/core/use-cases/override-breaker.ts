import { againstLimits, dayPeriod, freshBreaker, monthPeriod, type Breaker } from '../breaker.js';
import type { CoreDeps } from '../deps.js';
import type { DomainError } from '../errors.js';
import { ok, type Result } from '../result.js';
import { auditEntry, denyUnlessAllowed, type UseCaseArgs } from './support.js';

type Deps = Pick<CoreDeps, 'breakers' | 'breakerLimits' | 'audit' | 'clock' | 'ids'>;

export interface OverrideBreakerInput {
  /** The current UTC day (lets executions through) or month (acknowledges the flag). */
  readonly scope: 'day' | 'month';
}

/**
 * An owner lets executions through the day's breaker until the UTC day ends (a new day is a
 * new row, so the override cannot outlive it). Audited with the spend it was given at.
 */
export async function overrideBreaker({
  deps,
  actor,
  input,
}: UseCaseArgs<Deps, OverrideBreakerInput>): Promise<Result<Breaker, DomainError>> {
  const at = deps.clock.now().toISOString();
  const fresh =
    input.scope === 'day'
      ? freshBreaker('day', dayPeriod(at), deps.breakerLimits.dayBlockUsd, at)
      : freshBreaker('month', monthPeriod(at), deps.breakerLimits.monthFlagUsd, at);
  const denied = await denyUnlessAllowed(deps, actor, 'breaker.override', `breaker:${fresh.key}`);
  if (denied) return denied;
  // Shown and audited against the limit configured now, whatever limit the row was written under.
  const breaker = againstLimits(
    await deps.breakers.override(fresh, actor.id, at),
    deps.breakerLimits,
  );
  await deps.audit.append(
    auditEntry(deps, actor, at, 'breaker.overridden', `breaker:${breaker.key}`, {
      spent_usd: breaker.spentUsd,
      reserved_usd: breaker.reservedUsd,
      threshold_usd: breaker.thresholdUsd,
      state: breaker.state,
    }),
  );
  return ok(breaker);
}
