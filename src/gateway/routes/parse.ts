import { Hono } from 'hono';
import type { CoreDeps } from '../../core/deps.js';
import { parseText } from '../../core/use-cases/parse-text.js';
import type { GatewayEnv } from '../deps.js';
import { domainErrorResponse } from '../http-errors.js';
import { requireJson } from '../middleware/require-json.js';
import { presentParseOutcome } from '../presenters.js';
import { validate } from '../validation.js';
import { parseBodySchema } from './task-schemas.js';

/** POST /api/parse: what a message would become — the same draft `switchboard parse` prints. */
export function createParseRoute(core: CoreDeps) {
  return new Hono<GatewayEnv>().post(
    '/',
    requireJson,
    validate('json', parseBodySchema),
    async (c) => {
      const body = c.req.valid('json');
      const result = await parseText({
        deps: core,
        actor: c.get('actor'),
        input: { text: body.text, lastHost: body.last_host, lastRepo: body.last_repo },
      });
      return result.ok
        ? c.json(presentParseOutcome(result.value))
        : domainErrorResponse(c, result.error);
    },
  );
}
