import { Hono } from 'hono';
import { cors } from 'hono/cors';
import type { OAuthClient, OAuthToken } from '../../core/ports/oauth-store.js';
import { addSeconds } from '../../core/use-cases/support.js';
import { oauthError, type OAuthDeps } from './oauth-deps.js';
import { authenticateClient, readParams } from './client-auth.js';
import { hashSecret, newSecret, pkceMatches } from './oauth-secrets.js';
import { OAUTH } from './oauth-settings.js';
import { oauthUrls } from './oauth-urls.js';

/**
 * /token: the authorization code (single use, PKCE S256, same client and redirect URI, bound
 * to this resource) for an access and a refresh token; a refresh token (single use: it
 * rotates, and a spent one presented again revokes the whole family) for a new pair.
 */
export function createTokenRoute(deps: OAuthDeps, publicUrl: string | null) {
  const app = new Hono();
  app.use('*', cors());
  app.post('/', async (c) => {
    c.header('Cache-Control', 'no-store');
    c.header('Pragma', 'no-cache');
    const p = await readParams(c);
    if (!p) return c.json(oauthError('invalid_request', 'Send a form-encoded body.'), 400);
    const auth = await authenticateClient(c, deps, p);
    if (!auth.ok) return auth.response;
    const { client } = auth;
    const urls = oauthUrls(c, publicUrl);
    if (p.resource !== undefined && p.resource !== urls.resource) {
      return c.json(
        oauthError('invalid_target', `Tokens here are only for ${urls.resource}.`),
        400,
      );
    }
    const now = deps.core.clock.now();
    const at = now.toISOString();
    const invalidGrant = (why: string) => c.json(oauthError('invalid_grant', why), 400);

    if (p.grant_type === 'authorization_code') {
      if (!p.code || !p.code_verifier) {
        return c.json(oauthError('invalid_request', 'code and code_verifier are required.'), 400);
      }
      const redeemed = await deps.oauth.redeemCode(await hashSecret(p.code), at);
      if (!redeemed) return invalidGrant('Unknown code.');
      const { grant, firstUse } = redeemed;
      if (!firstUse) {
        // A code used twice was stolen or replayed: what its first use issued is revoked.
        await deps.oauth.revokeFamily(grant.id, at);
        return invalidGrant('The code was already used; its tokens are revoked.');
      }
      if (grant.clientId !== client.clientId)
        return invalidGrant('The code is for another client.');
      if (grant.expiresAt <= at) return invalidGrant('The code expired.');
      if (p.redirect_uri !== grant.redirectUri) {
        return invalidGrant('redirect_uri must be the one used at /authorize.');
      }
      if (!(await pkceMatches(p.code_verifier, grant.codeChallenge))) {
        return invalidGrant('code_verifier does not match the code_challenge.');
      }
      if (!grant.subject) return invalidGrant('The request was never allowed.');
      return c.json(await issue(client, grant.subject, grant.resource, grant.id, now));
    }

    if (p.grant_type === 'refresh_token') {
      if (!p.refresh_token) {
        return c.json(oauthError('invalid_request', 'refresh_token is required.'), 400);
      }
      const hash = await hashSecret(p.refresh_token);
      const token = await deps.oauth.findToken(hash);
      if (!token || token.kind !== 'refresh' || token.clientId !== client.clientId) {
        return invalidGrant('Unknown refresh token.');
      }
      if (token.revokedAt !== null) return invalidGrant('The refresh token was revoked.');
      if (token.expiresAt <= at) return invalidGrant('The refresh token expired.');
      if (p.scope !== undefined && p.scope.split(' ').some((s) => s !== OAUTH.scope)) {
        return c.json(oauthError('invalid_scope', `The only scope is "${OAUTH.scope}".`), 400);
      }
      if ((await deps.oauth.spendRefreshToken(hash, at)) !== 'spent') {
        // Presented twice: someone holds a copy. Revoke the family; the owner connects again.
        await deps.oauth.revokeFamily(token.familyId, at);
        return invalidGrant('The refresh token was already used; the connection is revoked.');
      }
      if (deps.roleOf(token.subject) === null) {
        await deps.oauth.revokeFamily(token.familyId, at);
        return invalidGrant('The person who allowed this connection is no longer a user.');
      }
      return c.json(await issue(client, token.subject, token.resource, token.familyId, now));
    }

    return c.json(
      oauthError('unsupported_grant_type', 'Use authorization_code or refresh_token.'),
      400,
    );
  });

  async function issue(
    client: OAuthClient,
    subject: string,
    resource: string,
    familyId: string,
    now: Date,
  ) {
    const access = newSecret('sbat');
    const refresh = newSecret('sbrt');
    const base = {
      clientId: client.clientId,
      subject,
      scope: OAUTH.scope,
      resource,
      familyId,
      createdAt: now.toISOString(),
      usedAt: null,
      revokedAt: null,
    };
    const tokens: OAuthToken[] = [
      {
        ...base,
        tokenHash: await hashSecret(access),
        kind: 'access',
        expiresAt: addSeconds(now, OAUTH.accessTtlS),
      },
      {
        ...base,
        tokenHash: await hashSecret(refresh),
        kind: 'refresh',
        expiresAt: addSeconds(now, OAUTH.refreshTtlS),
      },
    ];
    await deps.oauth.saveTokens(tokens);
    await deps.oauth.keepClient(
      client.clientId,
      now.toISOString(),
      addSeconds(now, OAUTH.usedClientTtlS),
    );
    return {
      access_token: access,
      token_type: 'Bearer',
      expires_in: OAUTH.accessTtlS,
      refresh_token: refresh,
      scope: OAUTH.scope,
    };
  }

  return app;
}
