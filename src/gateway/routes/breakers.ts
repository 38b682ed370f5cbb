import { Hono } from 'hono';
import { z } from 'zod';
import type { CoreDeps } from '../../core/deps.js';
import { getSystemStatus } from '../../core/use-cases/get-system-status.js';
import { overrideBreaker } from '../../core/use-cases/override-breaker.js';
import type { GatewayEnv } from '../deps.js';
import { domainErrorResponse } from '../http-errors.js';
import { jsonIfBody } from '../middleware/require-json.js';
import { presentBreaker } from '../presenters.js';
import { validate } from '../validation.js';

const scopeParam = z.strictObject({ scope: z.enum(['day', 'month']) });

/** /api/breakers: the current UTC day and month, and an owner's override (audited). */
export function createBreakerRoutes(core: CoreDeps) {
  return new Hono<GatewayEnv>()
    .get('/', async (c) => {
      const status = await getSystemStatus({ deps: core });
      return c.json({ breakers: status.breakers.map(presentBreaker) });
    })
    .post('/:scope/override', jsonIfBody, validate('param', scopeParam), async (c) => {
      const input = { scope: c.req.valid('param').scope };
      const r = await overrideBreaker({ deps: core, actor: c.get('actor'), input });
      return r.ok ? c.json(presentBreaker(r.value)) : domainErrorResponse(c, r.error);
    });
}
