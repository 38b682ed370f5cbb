import { Hono } from 'hono';
import { z } from 'zod';
import type { CoreDeps } from '../../core/deps.js';
import { SPEND_HISTORY_MAX_DAYS, spendHistory } from '../../core/use-cases/spend-history.js';
import type { GatewayEnv } from '../deps.js';
import { domainErrorResponse } from '../http-errors.js';
import { validate } from '../validation.js';

const query = z.strictObject({
  days: z.coerce.number().int().min(1).max(SPEND_HISTORY_MAX_DAYS).default(30),
});

/** GET /api/spend?days=30: each UTC day's spend and the limits, for the PWA's chart. */
export function createSpendRoute(core: CoreDeps) {
  return new Hono<GatewayEnv>().get('/', validate('query', query), async (c) => {
    const r = await spendHistory({
      deps: core,
      actor: c.get('actor'),
      input: c.req.valid('query'),
    });
    if (!r.ok) return domainErrorResponse(c, r.error);
    const h = r.value;
    return c.json({
      days: h.days.map((d) => ({ day: d.day, spent_usd: d.spentUsd, overridden: d.overridden })),
      month_spent_usd: h.monthSpentUsd,
      day_threshold_usd: h.dayThresholdUsd,
      month_threshold_usd: h.monthThresholdUsd,
    });
  });
}
