import { bearerAuth } from 'hono/bearer-auth';
import { createMiddleware } from 'hono/factory';
import type { Actor } from '../../core/actor.js';
import type { GatewayEnv } from '../deps.js';
import { constantTimeEqual } from '../constant-time.js';
import { errorBody } from '../http-errors.js';

export const ADMIN_ACTOR: Actor = { id: 'admin', role: 'owner', channel: 'api' };

const unauthorized = () =>
  new Response(JSON.stringify(errorBody('unauthorized', 'Unauthorized.')), {
    status: 401,
    headers: { 'content-type': 'application/json' },
  });

/**
 * Bearer auth with the admin token (Hono parses the header), compared in constant time by
 * constantTimeEqual. Every failure, a malformed header included, is the same bare 401:
 * nothing tells a guesser which part was wrong.
 */
export function adminAuth(token: string) {
  const check = bearerAuth<GatewayEnv>({
    verifyToken: (presented) => constantTimeEqual(presented, token),
    noAuthenticationHeader: { message: unauthorized },
    invalidAuthenticationHeader: {
      message: unauthorized,
      wwwAuthenticateHeader: 'Bearer error="invalid_token"',
    },
    invalidToken: { message: unauthorized },
  });
  return createMiddleware<GatewayEnv>((c, next) =>
    check(c, async () => {
      c.set('actor', ADMIN_ACTOR);
      await next();
    }),
  );
}
