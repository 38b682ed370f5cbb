import { auth } from '@modelcontextprotocol/sdk/client/auth.js';
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createUuidV7 } from '../../src/entry/uuid-v7.js';
import { createOAuthStore } from '../../src/db/repositories/oauth-store.js';
import { hashSecret } from '../../src/gateway/oauth/oauth-secrets.js';
import { OAUTH } from '../../src/gateway/oauth/oauth-settings.js';
import { CLAUDE_AI, ConnectorProvider } from '../helpers/oauth-connector.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

const ORIGIN = 'http://localhost';
const MCP = new URL(`${ORIGIN}/mcp`);
const CALLBACK = CLAUDE_AI;
const DAY_MS = 24 * 3600_000;

/** Claude's side, including dropping credentials the server refuses (as the MCP SDK asks). */
class Provider extends ConnectorProvider {
  invalidated: string[] = [];
  invalidateCredentials(scope: 'all' | 'client' | 'tokens' | 'verifier') {
    this.invalidated.push(scope);
    if (scope === 'all' || scope === 'client') this.info = undefined;
    if (scope === 'all' || scope === 'tokens') this.saved = undefined;
  }
}

describe('OAuth client registration: unused ones expire, used ones live on, re-registration is clean', () => {
  let t: TestApp;
  beforeEach(async () => {
    const uuid = createUuidV7();
    // `ops` is the owner who allowed the connections below.
    t = await createTestApp({
      ids: { next: uuid },
      roleOf: (name) => (name === 'ops' ? 'owner' : null),
    });
  });
  afterEach(() => t.dispose());

  /** A request as it reaches the gateway over the network: with its Host header. */
  const fetchFn = async (url: string | URL, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    headers.set('host', 'localhost');
    return t.app.request(new URL(url, ORIGIN).href, { ...init, headers });
  };

  async function register() {
    const res = await fetchFn('/register', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(new Provider().clientMetadata),
    });
    expect(res.status).toBe(201);
    return (await res.json()) as { client_id: string; client_secret: string };
  }

  const token = (client: { client_id: string; client_secret: string }, params: object) =>
    fetchFn('/token', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...client, ...params } as Record<string, string>),
    });
  const refreshWith = (client: { client_id: string; client_secret: string }, refresh: string) =>
    token(client, { grant_type: 'refresh_token', refresh_token: refresh });

  /** GET /authorize as a browser would for this client (this app has nobody to ask: 503). */
  const authorize = (clientId: string) =>
    fetchFn(
      `/authorize?${new URLSearchParams({
        response_type: 'code',
        client_id: clientId,
        redirect_uri: CALLBACK,
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        code_challenge_method: 'S256',
        state: 's',
      }).toString()}`,
    );

  it('refuses a registration that got no token within its TTL: invalid_client at /token, a dead end at /authorize', async () => {
    const client = await register();
    t.clock.advance(OAUTH.unusedClientTtlS * 1000 - 1_000);
    const young = await refreshWith(client, 'sbrt_unknown');
    // Still known: the client authenticates, only the grant is wrong.
    expect(young.status).toBe(400);
    expect(await young.json()).toMatchObject({ error: 'invalid_grant' });
    expect((await authorize(client.client_id)).status).toBe(503);

    t.clock.advance(1_000);
    const old = await refreshWith(client, 'sbrt_unknown');
    expect(old.status).toBe(401);
    expect(await old.json()).toMatchObject({ error: 'invalid_client' });
    const page = await authorize(client.client_id);
    expect(page.status).toBe(400);
    expect(page.headers.get('location')).toBeNull();

    // A fresh registration works at once; the expired one stays refused, and is pruned.
    const again = await register();
    expect(again.client_id).not.toBe(client.client_id);
    expect((await refreshWith(again, 'sbrt_unknown')).status).toBe(400);
    expect((await refreshWith(client, 'sbrt_unknown')).status).toBe(401);
    const store = createOAuthStore(t.db.db);
    t.clock.advance(1_000);
    await store.prune(t.clock.now().toISOString());
    const ids = await t.db.client.execute('SELECT client_id FROM oauth_clients');
    expect(ids.rows.map((r) => r['client_id'])).toEqual([again.client_id]);
  });

  it('keeps a client that got tokens for its used TTL after the last one, then refuses it', async () => {
    const client = await register();
    const store = createOAuthStore(t.db.db);
    // A code the owner allowed, as /authorize and the Telegram card leave it.
    const code = 'sbac_test-code';
    const verifier = 'v'.repeat(43);
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const now = t.clock.now();
    await store.createGrant({
      id: createUuidV7()(),
      clientId: client.client_id,
      redirectUri: CALLBACK,
      codeChallenge: challenge,
      state: null,
      scope: OAUTH.scope,
      resource: MCP.href,
      source: null,
      browserHash: 'b'.repeat(64),
      status: 'allowed',
      subject: 'ops',
      codeHash: await hashSecret(code),
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + 60_000).toISOString(),
      decidedAt: now.toISOString(),
    });
    const issued = await token(client, {
      grant_type: 'authorization_code',
      code,
      code_verifier: verifier,
      redirect_uri: CALLBACK,
    });
    expect(issued.status, await issued.clone().text()).toBe(200);
    let refresh = ((await issued.json()) as { refresh_token: string }).refresh_token;

    // Past the unused TTL: a client in use is still served.
    t.clock.advance(OAUTH.unusedClientTtlS * 1000 + DAY_MS);
    const renewed = await refreshWith(client, refresh);
    expect(renewed.status, await renewed.clone().text()).toBe(200);
    refresh = ((await renewed.json()) as { refresh_token: string }).refresh_token;

    // Silent for its used TTL since that last token: gone, refresh token or not.
    t.clock.advance(OAUTH.usedClientTtlS * 1000);
    const late = await refreshWith(client, refresh);
    expect(late.status).toBe(401);
    expect(await late.json()).toMatchObject({ error: 'invalid_client' });
  });

  it('an expired client’s invalid_client makes the MCP SDK drop it and register afresh, and the new one is served', async () => {
    const provider = new Provider();
    expect(await auth(provider, { serverUrl: MCP, fetchFn })).toBe('REDIRECT');
    const first = provider.info as { client_id: string };
    expect((await authorize(first.client_id)).status).toBe(503);
    // Claude kept the registration (and a refresh token it believes in) past the TTL.
    provider.saved = { access_token: 'sbat_gone', token_type: 'Bearer', refresh_token: 'sbrt_old' };
    t.clock.advance(OAUTH.unusedClientTtlS * 1000 + 1_000);

    expect(await auth(provider, { serverUrl: MCP, fetchFn })).toBe('REDIRECT');
    expect(provider.invalidated).toContain('all');
    const second = provider.info as { client_id: string } | undefined;
    expect(second?.client_id).toBeDefined();
    expect(second?.client_id).not.toBe(first.client_id);
    expect(provider.saved).toBeUndefined();
    // The browser is sent to /authorize as the new client, which passes every check there.
    expect(provider.authorizationUrl?.searchParams.get('client_id')).toBe(second?.client_id);
    const page = await fetchFn(
      `${provider.authorizationUrl!.pathname}${provider.authorizationUrl!.search}`,
    );
    expect(page.status).toBe(503);
    expect(await page.text()).toContain('Nobody to ask');
    expect((await authorize(first.client_id)).status).toBe(400);
  });
});
