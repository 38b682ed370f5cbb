import { Hono } from 'hono';
import { cors } from 'hono/cors';
import { authenticateClient, readParams } from './client-auth.js';
import { oauthError, type OAuthDeps } from './oauth-deps.js';
import { hashSecret } from './oauth-secrets.js';

/**
 * RFC 7009 revocation: a client ends its own connection (access or refresh token; the whole
 * family goes). Unknown tokens are answered 200 like known ones, so nothing can be probed.
 */
export function createRevokeRoute(deps: OAuthDeps) {
  const app = new Hono();
  app.use('*', cors());
  app.post('/', async (c) => {
    c.header('Cache-Control', 'no-store');
    const p = await readParams(c);
    if (!p?.token) return c.json(oauthError('invalid_request', 'token is required.'), 400);
    const auth = await authenticateClient(c, deps, p);
    if (!auth.ok) return auth.response;
    const token = await deps.oauth.findToken(await hashSecret(p.token));
    if (token && token.clientId === auth.client.clientId) {
      await deps.oauth.revokeFamily(token.familyId, deps.core.clock.now().toISOString());
    }
    return c.body(null, 200);
  });
  return app;
}
