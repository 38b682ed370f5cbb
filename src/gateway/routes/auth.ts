import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { CoreDeps } from '../../core/deps.js';
import type { Role } from '../../core/actor.js';
import type { LoginLinks } from '../../core/ports/login-links.js';
import type { WebSessions } from '../../core/ports/web-sessions.js';
import { signIn, signOut, type SignInError } from '../../core/use-cases/web-sign-in.js';
import { sessionActor } from '../../core/web/session.js';
import { constantTimeEqual } from '../constant-time.js';
import type { GatewayEnv } from '../deps.js';
import { errorBody } from '../http-errors.js';
import { requireJson } from '../middleware/require-json.js';
import { hashToken } from '../token-hash.js';
import { validate } from '../validation.js';
import { ourOrigins, sameOrigin } from '../web/csrf.js';
import {
  clearSessionCookie,
  isSecure,
  readSessionCookie,
  writeSessionCookie,
} from '../web/session-cookie.js';
import { csrfTokenOf, newSessionSecret, sessionHashOf } from '../web/session-secret.js';

export interface AuthRouteDeps {
  readonly core: CoreDeps;
  readonly logins: LoginLinks;
  readonly sessions: WebSessions;
  readonly roleOf: (name: string) => Role | null;
  readonly adminToken: string;
  readonly publicUrl: string | null;
}

const secretBody = z.strictObject({ token: z.string().min(1).max(512) });

function signInFailure(c: Context, error: SignInError) {
  switch (error.code) {
    case 'link_invalid':
      return c.json(
        errorBody(
          'link_invalid',
          'This sign-in link is expired or was already used. Ask the bot for a new one with /login.',
        ),
        401,
      );
    case 'not_a_member':
      return c.json(errorBody('forbidden', `${error.userName} is no longer a user here.`), 403);
  }
}

/**
 * /auth: sign in with the bot's one-time link or the admin token, see who is signed in (and
 * the CSRF token for later requests), sign out. Every POST must come from our own origin:
 * a sign-in forced by another site (login CSRF) is as bad as any other forged request.
 */
export function createAuthRoutes(d: AuthRouteDeps) {
  const now = () => d.core.clock.now().toISOString();
  const deps = { ...d.core, logins: d.logins, sessions: d.sessions, roleOf: d.roleOf };
  const fromUs = (c: Context) =>
    sameOrigin(
      { origin: c.req.header('origin'), secFetchSite: c.req.header('sec-fetch-site') },
      ourOrigins(c.req.url, d.publicUrl),
    );
  const current = async (c: Context) => {
    const secret = readSessionCookie(c);
    if (secret === undefined) return null;
    const session = await d.sessions.find(await sessionHashOf(secret), now());
    return session ? { secret, session } : null;
  };
  const opened = async (c: Context, secret: string, userName: string) => {
    writeSessionCookie(c, secret, isSecure(c, d.publicUrl));
    return c.json({ user: userName, csrf_token: await csrfTokenOf(secret) }, 201);
  };
  return new Hono<GatewayEnv>()
    .use('*', async (c, next) => {
      c.header('Cache-Control', 'no-store');
      if (c.req.method !== 'GET' && !fromUs(c)) {
        return c.json(errorBody('csrf', 'Sign-in is only accepted from the web app itself.'), 403);
      }
      await next();
    })
    .get('/session', async (c) => {
      const found = await current(c);
      const actor = found ? sessionActor(found.session, d.roleOf) : null;
      if (!found || !actor) return c.json(errorBody('unauthorized', 'Not signed in.'), 401);
      return c.json({
        user: actor.id,
        role: actor.role,
        method: found.session.method,
        expires_at: found.session.expiresAt,
        csrf_token: await csrfTokenOf(found.secret),
      });
    })
    .post('/link', requireJson, validate('json', secretBody), async (c) => {
      const secret = newSessionSecret();
      const r = await signIn({
        deps,
        input: { method: 'link', linkHash: await hashToken(c.req.valid('json').token) },
        sessionHash: await sessionHashOf(secret),
      });
      return r.ok ? opened(c, secret, r.value.userName) : signInFailure(c, r.error);
    })
    .post('/token', requireJson, validate('json', secretBody), async (c) => {
      if (!constantTimeEqual(c.req.valid('json').token, d.adminToken)) {
        return c.json(errorBody('unauthorized', 'That is not the admin token.'), 401);
      }
      const secret = newSessionSecret();
      const r = await signIn({
        deps,
        input: { method: 'admin_token' },
        sessionHash: await sessionHashOf(secret),
      });
      return r.ok ? opened(c, secret, r.value.userName) : signInFailure(c, r.error);
    })
    .post('/logout', async (c) => {
      const found = await current(c);
      if (found) await signOut({ deps, session: found.session });
      clearSessionCookie(c, isSecure(c, d.publicUrl));
      return c.body(null, 204);
    });
}
