import type { Context } from 'hono';
import type { OAuthClient } from '../../core/ports/oauth-store.js';
import { constantTimeEqual } from '../constant-time.js';
import { oauthError, type OAuthDeps } from './oauth-deps.js';
import { hashSecret } from './oauth-secrets.js';

export type Params = Record<string, string>;

/** The form (or JSON) body as flat strings; anything else is dropped. */
export async function readParams(c: Context): Promise<Params | null> {
  const type = c.req.header('content-type') ?? '';
  const raw: unknown = type.startsWith('application/json')
    ? await c.req.json().catch(() => null)
    : await c.req.parseBody().catch(() => null);
  if (!raw || typeof raw !== 'object') return null;
  const params: Params = {};
  for (const [k, v] of Object.entries(raw)) if (typeof v === 'string') params[k] = v;
  return params;
}

type ClientCheck = { ok: true; client: OAuthClient } | { ok: false; response: Response };

/**
 * Client authentication: `client_secret_basic`, `client_secret_post`, or none for a public
 * client (which must then prove itself with PKCE). Secrets are compared by their hashes.
 */
export async function authenticateClient(
  c: Context,
  deps: OAuthDeps,
  p: Params,
): Promise<ClientCheck> {
  let clientId = p.client_id;
  let secret = p.client_secret;
  const basic = /^Basic ([A-Za-z0-9+/=]+)$/.exec(c.req.header('authorization') ?? '')?.[1];
  if (basic) {
    const decoded = (() => {
      try {
        return atob(basic);
      } catch {
        return '';
      }
    })();
    const colon = decoded.indexOf(':');
    if (colon < 0) return fail(c, 401, 'invalid_client', 'Malformed Basic credentials.');
    clientId = decodeURIComponent(decoded.slice(0, colon));
    secret = decodeURIComponent(decoded.slice(colon + 1));
  }
  if (!clientId || clientId.length > 100) {
    return fail(c, 401, 'invalid_client', 'client_id is required.');
  }
  const client = await deps.oauth.getClient(clientId, deps.core.clock.now().toISOString());
  if (!client) return fail(c, 401, 'invalid_client', 'Unknown or expired client.');
  if (client.secretHash === null) {
    if (secret) return fail(c, 401, 'invalid_client', 'This client has no secret.');
    return { ok: true, client };
  }
  if (!secret || !constantTimeEqual(await hashSecret(secret), client.secretHash)) {
    return fail(c, 401, 'invalid_client', 'Wrong client credentials.');
  }
  return { ok: true, client };
}

function fail(c: Context, status: 400 | 401, error: string, description: string) {
  if (status === 401) c.header('WWW-Authenticate', 'Basic realm="switchboard"');
  return { ok: false as const, response: c.json(oauthError(error, description), status) };
}
