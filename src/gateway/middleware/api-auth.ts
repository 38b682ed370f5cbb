import { createMiddleware } from 'hono/factory';
import type { Role } from '../../core/actor.js';
import type { WebSessions } from '../../core/ports/web-sessions.js';
import { sessionActor } from '../../core/web/session.js';
import type { GatewayEnv } from '../deps.js';
import { errorBody } from '../http-errors.js';
import { isSafeMethod, ourOrigins, sameOrigin, tokenMatches } from '../web/csrf.js';
import { readSessionCookie } from '../web/session-cookie.js';
import { csrfTokenOf, sessionHashOf } from '../web/session-secret.js';
import { adminAuth } from './admin-auth.js';

export interface ApiAuthOptions {
  readonly adminToken: string;
  readonly sessions: WebSessions;
  readonly roleOf: (name: string) => Role | null;
  readonly now: () => Date;
  readonly publicUrl: string | null;
}

export const CSRF_HEADER = 'X-CSRF-Token';

const refuse = (status: 401 | 403, code: string, message: string) =>
  new Response(JSON.stringify(errorBody(code, message)), {
    status,
    headers: { 'content-type': 'application/json' },
  });

/**
 * /api/*: the admin bearer token (scripts) or a web session cookie (the PWA). A cookie is sent
 * by the browser on its own, so a state change through one must also prove it came from our
 * page: our Origin and the session's CSRF token in a header. A bearer token needs neither.
 */
export function apiAuth(o: ApiAuthOptions) {
  const bearer = adminAuth(o.adminToken);
  return createMiddleware<GatewayEnv>(async (c, next) => {
    // Any Authorization header means a script: the bearer check alone decides, as before.
    if (c.req.header('authorization')) return bearer(c, next);
    const secret = readSessionCookie(c);
    if (secret === undefined) return refuse(401, 'unauthorized', 'Unauthorized.');
    const session = await o.sessions.find(await sessionHashOf(secret), o.now().toISOString());
    const actor = session ? sessionActor(session, o.roleOf) : null;
    if (!session || !actor) return refuse(401, 'unauthorized', 'Unauthorized.');
    if (!isSafeMethod(c.req.method)) {
      const origin = sameOrigin(
        { origin: c.req.header('origin'), secFetchSite: c.req.header('sec-fetch-site') },
        ourOrigins(c.req.url, o.publicUrl),
      );
      const token = tokenMatches(c.req.header(CSRF_HEADER), await csrfTokenOf(secret));
      if (!origin || !token) {
        return refuse(403, 'csrf', 'This request did not come from the web app: reload it.');
      }
    }
    c.set('actor', actor);
    c.set('session', session);
    await next();
  });
}
