import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { CoreDeps } from '../../core/deps.js';
import type { OAuthStore } from '../../core/ports/oauth-store.js';
import { decideConsent, type ConsentError } from '../../core/use-cases/oauth-consent.js';
import type { GatewayEnv } from '../deps.js';
import { errorBody } from '../http-errors.js';
import { requireJson } from '../middleware/require-json.js';
import { validate } from '../validation.js';

const grantParam = z.strictObject({ id: z.string().min(1).max(100) });
const decisionBody = z.strictObject({ allow: z.boolean() });

function consentFailure(c: Context, e: ConsentError) {
  switch (e.code) {
    case 'forbidden':
      return c.json(errorBody('forbidden', 'Only an owner may connect a program.'), 403);
    case 'not_found':
      return c.json(errorBody('not_found', 'No such connection request.'), 404);
    case 'already_decided':
      return c.json(errorBody('already_decided', `Already ${e.status}.`), 409);
    case 'expired':
      return c.json(errorBody('approval_expired', 'The connection request has lapsed.'), 410);
  }
}

/** POST /api/oauth/grants/:id/decision: the PWA's Allow / Deny for an MCP client (owners). */
export function createConsentRoutes(core: CoreDeps, oauth: OAuthStore) {
  return new Hono<GatewayEnv>().post(
    '/:id/decision',
    requireJson,
    validate('param', grantParam),
    validate('json', decisionBody),
    async (c) => {
      const r = await decideConsent({
        deps: { ...core, oauth },
        actor: c.get('actor'),
        input: { grantId: c.req.valid('param').id, allow: c.req.valid('json').allow },
      });
      return r.ok
        ? c.json({ id: r.value.grant.id, status: r.value.grant.status })
        : consentFailure(c, r.error);
    },
  );
}
