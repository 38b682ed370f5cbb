import { Hono } from 'hono';
import { cors } from 'hono/cors';
import { z } from 'zod';
import { MAX_REDIRECT_URIS, redirectUriProblem } from '../../core/oauth/redirect-uri.js';
import { addSeconds } from '../../core/use-cases/support.js';
import { oauthError, type OAuthDeps } from './oauth-deps.js';
import { newSecret, hashSecret } from './oauth-secrets.js';
import { OAUTH } from './oauth-settings.js';

const AUTH_METHODS = ['none', 'client_secret_post', 'client_secret_basic'] as const;

const Registration = z.object({
  redirect_uris: z.array(z.string()).min(1).max(MAX_REDIRECT_URIS),
  client_name: z.string().trim().min(1).max(100).optional(),
  // RFC 7591 §2: the default is client_secret_basic.
  token_endpoint_auth_method: z.enum(AUTH_METHODS).default('client_secret_basic'),
  grant_types: z
    .array(z.enum(['authorization_code', 'refresh_token']))
    .min(1)
    .default(['authorization_code', 'refresh_token']),
  response_types: z.array(z.literal('code')).min(1).default(['code']),
  scope: z.string().max(200).optional(),
  client_uri: z.string().max(2_000).optional(),
  software_id: z.string().max(200).optional(),
  software_version: z.string().max(100).optional(),
});

/**
 * RFC 7591 dynamic client registration, open as MCP clients expect, but bounded: a flood from
 * one address is refused with 429 (others still register), and a registration that never gets
 * a token expires after a day.
 */
export function createRegisterRoute(deps: OAuthDeps) {
  const app = new Hono();
  app.use('*', cors());
  app.post('/', async (c) => {
    c.header('Cache-Control', 'no-store');
    const now = deps.core.clock.now();
    const hourAgo = new Date(now.getTime() - 3_600_000).toISOString();
    const source = deps.sourceOf(c);
    if (
      (await deps.oauth.countClientsSince(hourAgo, source)) >= OAUTH.registrationsPerHourPerSource
    ) {
      c.header('Retry-After', '3600');
      return c.json(
        oauthError('temporarily_unavailable', 'Too many client registrations; try again later.'),
        429,
      );
    }
    const body: unknown = await c.req.json().catch(() => undefined);
    const parsed = Registration.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return c.json(
        oauthError(
          'invalid_client_metadata',
          `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`,
        ),
        400,
      );
    }
    const meta = parsed.data;
    for (const uri of meta.redirect_uris) {
      const problem = redirectUriProblem(uri);
      if (problem) {
        return c.json(
          oauthError(
            'invalid_redirect_uri',
            `redirect_uri ${JSON.stringify(uri.slice(0, 200))} ${problem}.`,
          ),
          400,
        );
      }
    }
    if (meta.scope !== undefined && meta.scope.split(' ').some((s) => s !== OAUTH.scope)) {
      return c.json(
        oauthError('invalid_client_metadata', `The only scope is "${OAUTH.scope}".`),
        400,
      );
    }
    const clientId = deps.core.ids.next();
    const secret = meta.token_endpoint_auth_method === 'none' ? null : newSecret('sbcs');
    const issuedAt = Math.floor(now.getTime() / 1000);
    const registered = {
      client_id: clientId,
      client_id_issued_at: issuedAt,
      ...(secret ? { client_secret: secret, client_secret_expires_at: 0 } : {}),
      client_name: meta.client_name ?? 'Unnamed client',
      redirect_uris: meta.redirect_uris,
      token_endpoint_auth_method: meta.token_endpoint_auth_method,
      grant_types: meta.grant_types,
      response_types: meta.response_types,
      scope: OAUTH.scope,
      ...(meta.client_uri ? { client_uri: meta.client_uri } : {}),
    };
    const { client_secret: _secret, ...stored } = registered as typeof registered & {
      client_secret?: string;
    };
    await deps.oauth.registerClient({
      clientId,
      name: registered.client_name,
      redirectUris: meta.redirect_uris,
      secretHash: secret ? await hashSecret(secret) : null,
      metadata: stored,
      createdAt: now.toISOString(),
      expiresAt: addSeconds(now, OAUTH.unusedClientTtlS),
      lastUsedAt: null,
      source,
    });
    return c.json(registered, 201);
  });
  return app;
}
