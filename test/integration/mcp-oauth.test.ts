import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { auth, type OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client.js';
import { createOAuthStore } from '../../src/db/repositories/oauth-store.js';
import { hashToken } from '../../src/gateway/token-hash.js';
import type { RunningSwitchboard } from '../../src/entry/node.js';
import { startInProcess } from '../helpers/in-process.js';
import { CLAUDE_AI, CLAUDE_COM, ConnectorProvider } from '../helpers/oauth-connector.js';
import { makeTempDir } from '../helpers/temp-db.js';
import {
  APPROVER,
  dataOf,
  labelsOf,
  OWNER,
  startTelegramApp,
  type TelegramApp,
} from '../helpers/telegram-app.js';

/** A browser: follows nothing by itself, keeps the one cookie the consent page sets. */
/** A browser: follows nothing by itself, keeps the one cookie the consent page sets. */
class Browser {
  cookie = '';
  async get(url: string | URL) {
    const res = await fetch(url, {
      redirect: 'manual',
      headers: this.cookie ? { cookie: this.cookie } : {},
    });
    const set = res.headers.get('set-cookie');
    if (set) this.cookie = set.split(';')[0] ?? '';
    return { res, body: await res.text() };
  }
}

/** An HTTP request from a chosen loopback address: each 127.x.y.z is another source to the server. */
function fromAddress(
  localAddress: string,
  url: string | URL,
  init: { method?: string; body?: string } = {},
): Promise<{ status: number; location: string | null; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method: init.method ?? 'GET',
        localAddress,
        headers: init.body ? { 'content-type': 'application/json' } : {},
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, location: res.headers.location ?? null, body }),
        );
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}

describe('MCP OAuth 2.1: discovery, registration, consent in Telegram, tokens', () => {
  let t: TelegramApp;
  let mcpUrl: URL;
  beforeAll(async () => {
    t = await startTelegramApp();
    mcpUrl = new URL(`${t.app.url}/mcp`);
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  const ownerChat = () => t.chat(OWNER);

  /** Registers (if needed) and starts authorizing; returns the page the browser waits on. */
  async function startConnect(provider: ConnectorProvider, browser = new Browser()) {
    expect(await auth(provider, { serverUrl: mcpUrl })).toBe('REDIRECT');
    const url = provider.authorizationUrl;
    if (!url) throw new Error('no authorization URL');
    const since = ownerChat().lastId();
    const page = await browser.get(url);
    expect(page.res.status).toBe(200);
    const grant = /\/authorize\/status\?grant=([0-9a-f-]{36})/.exec(page.body)?.[1];
    if (!grant) throw new Error(`no grant on the page: ${page.body}`);
    const card = await ownerChat().textAfter(since, 'Connect “Claude”?');
    return { browser, grant, card, url };
  }

  /** What the waiting page's script does: ask for the decision, then follow `continue`. */
  async function finish(browser: Browser, grant: string) {
    const status = await browser.get(`${t.app.url}/authorize/status?grant=${grant}`);
    const back = await browser.get(`${t.app.url}/authorize/continue?grant=${grant}`);
    return { status: JSON.parse(status.body) as { status: string }, back: back.res };
  }

  async function connect(provider = new ConnectorProvider()) {
    const { browser, grant, card } = await startConnect(provider);
    expect(await t.tap(OWNER, card, dataOf(card, 'Allow'))).toBe('Allowed.');
    const { status, back } = await finish(browser, grant);
    expect(status.status).toBe('allowed');
    expect(back.status).toBe(302);
    const location = new URL(back.headers.get('location') ?? '');
    expect(`${location.origin}${location.pathname}`).toBe(CLAUDE_AI);
    expect(location.searchParams.get('iss')).toBe(t.app.url);
    const code = location.searchParams.get('code') ?? '';
    expect(await auth(provider, { serverUrl: mcpUrl, authorizationCode: code })).toBe('AUTHORIZED');
    return { provider, code, card };
  }

  async function mcpClient(provider: OAuthClientProvider) {
    const client = new Client({ name: 'claude-ai', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider }));
    return client;
  }

  const withToken = (token: string) =>
    fetch(mcpUrl, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });

  it('challenges an unauthenticated call with RFC 9728 metadata that leads to the server', async () => {
    const res = await fetch(mcpUrl, { method: 'POST', body: '{}' });
    expect(res.status).toBe(401);
    const challenge = res.headers.get('www-authenticate') ?? '';
    const metadataUrl = /resource_metadata="([^"]+)"/.exec(challenge)?.[1];
    expect(metadataUrl).toBe(`${t.app.url}/.well-known/oauth-protected-resource/mcp`);
    const prm = (await (await fetch(metadataUrl ?? '')).json()) as Record<string, unknown>;
    expect(prm).toMatchObject({ resource: mcpUrl.href, authorization_servers: [t.app.url] });
    const as = (await (
      await fetch(`${t.app.url}/.well-known/oauth-authorization-server`)
    ).json()) as Record<string, unknown>;
    expect(as).toMatchObject({
      issuer: t.app.url,
      code_challenge_methods_supported: ['S256'],
      registration_endpoint: `${t.app.url}/register`,
    });
  });

  it('connects Claude end to end: registration, Allow in Telegram, code, tokens, tools, refresh', async () => {
    const { provider, card } = await connect();
    // The card shows where the code goes and, once decided, who decided.
    expect(card.text).toContain('claude.ai');
    expect(labelsOf(card)).toEqual(['Allow', 'Deny']);
    const decided = await ownerChat().until(card, '✅ Allowed');
    expect(decided.text).toContain('(by ops)');
    expect(labelsOf(decided)).toEqual([]);

    const client = await mcpClient(provider);
    const { tools } = await client.listTools();
    expect(tools.map((x) => x.name)).toContain('execute');
    const health = (await client.callTool({ name: 'health', arguments: {} })) as CallToolResult;
    expect(health.isError).toBeFalsy();
    // Work started over OAuth is the client's own: it still cannot open its own gate.
    const gated = (await client.callTool({
      name: 'execute',
      arguments: { command: ['touch', 'oauth-gated'] },
    })) as CallToolResult;
    const id = (gated.structuredContent as { id: string; status: string }).id;
    expect((gated.structuredContent as { status: string }).status).toBe('awaiting_approval');
    const self = (await client.callTool({
      name: 'approve',
      arguments: { id, decision: 'approve' },
    })) as CallToolResult;
    expect(self.isError).toBe(true);
    await client.close();

    // Refresh: a new pair; the old refresh token is spent.
    const first = provider.saved;
    if (!first?.refresh_token) throw new Error('no refresh token');
    expect(first.expires_in).toBe(3600);
    provider.saved = { ...first, access_token: 'sbat_expired-and-forgotten' };
    const refreshed = await auth(provider, { serverUrl: mcpUrl });
    expect(refreshed).toBe('AUTHORIZED');
    const second = provider.saved;
    expect(second.refresh_token).toBeDefined();
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect((await withToken(second.access_token)).status).toBe(200);
    // The old access token keeps working until it expires (one hour at most).
    expect((await withToken(first.access_token)).status).toBe(200);
  });

  it('revokes the whole family when a spent refresh token comes back', async () => {
    const { provider } = await connect();
    const stolen = provider.saved?.refresh_token ?? '';
    provider.saved = { ...provider.saved!, access_token: 'x' };
    await auth(provider, { serverUrl: mcpUrl });
    const current = provider.saved!;
    expect((await withToken(current.access_token)).status).toBe(200);

    const replay = await tokenRequest(provider, {
      grant_type: 'refresh_token',
      refresh_token: stolen,
    });
    expect(replay.status).toBe(400);
    expect(await replay.json()).toMatchObject({ error: 'invalid_grant' });
    // Everything descending from that consent is dead: the current access and refresh token.
    expect((await withToken(current.access_token)).status).toBe(401);
    const next = await tokenRequest(provider, {
      grant_type: 'refresh_token',
      refresh_token: current.refresh_token ?? '',
    });
    expect(next.status).toBe(400);
  });

  it('refuses a replayed code and revokes what its first use issued', async () => {
    const { provider, code } = await connect();
    const replay = await tokenRequest(provider, {
      grant_type: 'authorization_code',
      code,
      code_verifier: provider.verifier,
      redirect_uri: CLAUDE_AI,
    });
    expect(replay.status).toBe(400);
    expect((await withToken(provider.saved!.access_token)).status).toBe(401);
  });

  it('sends the browser back with access_denied when the owner denies, and lets no one else decide', async () => {
    const provider = new ConnectorProvider(CLAUDE_COM, 'none');
    const { browser, grant, card, url } = await startConnect(provider);
    expect(url.searchParams.get('redirect_uri')).toBe(CLAUDE_COM);
    const lead = await t.tap(APPROVER, { ...card, chatId: OWNER }, dataOf(card, 'Allow'));
    expect(lead).toBe('Only an owner can connect apps.');
    // The refused tap is on the record: who, through which channel, and why.
    const refusals = await auditRows(`oauth:${grant}`);
    expect(refusals).toEqual([
      {
        actor: 'lead',
        channel: 'telegram',
        action: 'access.denied',
        detail: {
          action: 'oauth.allow',
          role: 'approver',
          reason: 'only an owner may connect a program',
        },
      },
    ]);
    const pending = await finish(browser, grant);
    expect(pending.status.status).toBe('pending');
    expect(pending.back.status).toBe(200);

    expect(await t.tap(OWNER, card, dataOf(card, 'Deny'))).toBe('Denied.');
    const { status, back } = await finish(browser, grant);
    expect(status.status).toBe('denied');
    const location = new URL(back.headers.get('location') ?? '');
    expect(`${location.origin}${location.pathname}`).toBe(CLAUDE_COM);
    expect(location.searchParams.get('error')).toBe('access_denied');
    expect(location.searchParams.get('state')).toBe(url.searchParams.get('state'));
    // A second tap changes nothing.
    expect(await t.tap(OWNER, card, dataOf(card, 'Allow'))).toBe('Already denied.');
  });

  /** Registers a client from `source` and asks to connect it from there; the redirect or page. */
  async function floodFrom(source: string, name: string, times: number) {
    const reg = await fromAddress(source, `${t.app.url}/register`, {
      method: 'POST',
      body: JSON.stringify({
        client_name: name,
        redirect_uris: [CLAUDE_AI],
        token_endpoint_auth_method: 'none',
      }),
    });
    expect(reg.status).toBe(201);
    const clientId = (JSON.parse(reg.body) as { client_id: string }).client_id;
    const url = new URL(`${t.app.url}/authorize`);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: CLAUDE_AI,
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
      state: 'flood',
    }).toString();
    const outcomes: string[] = [];
    for (let i = 0; i < times; i++) {
      const r = await fromAddress(source, url);
      outcomes.push(
        r.status === 200 ? 'asked' : (new URL(r.location ?? 'x:').searchParams.get('error') ?? ''),
      );
    }
    return { clientId, url, outcomes };
  }

  it('releases the code only to the browser that asked', async () => {
    const provider = new ConnectorProvider();
    const { grant, card } = await startConnect(provider);
    await t.tap(OWNER, card, dataOf(card, 'Allow'));
    const other = new Browser();
    const stolen = await finish(other, grant);
    expect(stolen.back.status).toBe(403);
    expect(stolen.back.headers.get('location')).toBeNull();
  });

  it('refuses a wrong code_verifier, and a code for another resource', async () => {
    const provider = new ConnectorProvider();
    const { browser, grant, card } = await startConnect(provider);
    await t.tap(OWNER, card, dataOf(card, 'Allow'));
    const { back } = await finish(browser, grant);
    const code = new URL(back.headers.get('location') ?? '').searchParams.get('code') ?? '';
    const wrong = await tokenRequest(provider, {
      grant_type: 'authorization_code',
      code,
      code_verifier: 'x'.repeat(43),
      redirect_uri: CLAUDE_AI,
    });
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toMatchObject({ error: 'invalid_grant' });

    const elsewhere = new URL(provider.authorizationUrl!);
    elsewhere.searchParams.set('resource', 'https://elsewhere.example/mcp');
    const res = await new Browser().get(elsewhere);
    expect(res.res.status).toBe(302);
    expect(new URL(res.res.headers.get('location') ?? '').searchParams.get('error')).toBe(
      'invalid_target',
    );
  });

  it('refuses expired tokens, tokens for another audience, and unknown ones', async () => {
    const handle = await openDatabase({
      url: `file:${join(t.dir, 'data', 'switchboard.db')}`,
      driver: 'libsql-client',
    });
    try {
      const store = createOAuthStore(handle.db);
      const { provider } = await connect();
      const good = await store.findToken(await hashToken(provider.saved!.access_token));
      if (!good) throw new Error('the access token is not stored (by hash)');
      const past = new Date(Date.now() - 1_000).toISOString();
      await store.saveTokens([
        { ...good, tokenHash: await hashToken('sbat_expired'), expiresAt: past },
        {
          ...good,
          tokenHash: await hashToken('sbat_other-audience'),
          resource: 'https://elsewhere.example/mcp',
        },
      ]);
      expect((await withToken(provider.saved!.access_token)).status).toBe(200);
      for (const token of ['sbat_expired', 'sbat_other-audience', 'sbat_never-issued']) {
        const res = await withToken(token);
        expect(res.status, token).toBe(401);
        expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
      }
    } finally {
      handle.close();
    }
  });

  it('edits the cards of a connect request nobody decided in time to say it expired', async () => {
    const provider = new ConnectorProvider();
    const { browser, grant, card } = await startConnect(provider);
    // Ten minutes pass for this request: its deadline is moved into the past.
    const handle = await openDatabase({
      url: `file:${join(t.dir, 'data', 'switchboard.db')}`,
      driver: 'libsql-client',
    });
    try {
      await handle.client.execute({
        sql: 'UPDATE oauth_grants SET expires_at = ? WHERE id = ?',
        args: [new Date(Date.now() - 1_000).toISOString(), grant],
      });
    } finally {
      handle.close();
    }
    // The maintenance sweep (every few seconds) marks it expired and edits the card.
    const expired = await ownerChat().until(card, 'This request expired', 15_000);
    expect(expired.text).toContain('“Claude”');
    expect(labelsOf(expired)).toEqual([]);
    expect(await t.tap(OWNER, card, dataOf(card, 'Allow'))).toBe(
      'This request expired; start connecting again from the app.',
    );
    const { status, back } = await finish(browser, grant);
    expect(status.status).toBe('expired');
    expect(new URL(back.headers.get('location') ?? '').searchParams.get('error')).toBe(
      'access_denied',
    );
    expect((await auditRows(`oauth:${grant}`)).map((r) => [r.actor, r.action])).toEqual([
      ['system', 'oauth.expired'],
    ]);
  });

  // Last in this block: the flood's cards queue up in the owners' chats (Telegram's pacing).
  it('a flood of connect requests is capped per client and per address, and cannot lock the owner out', async () => {
    // One client asks at most three times at once, wherever from.
    const first = await floodFrom('127.0.0.2', 'Flood one', 4);
    expect(first.outcomes).toEqual(['asked', 'asked', 'asked', 'temporarily_unavailable']);
    expect((await fromAddress('127.0.0.3', first.url)).status).toBe(302);
    // One address holds at most five requests, whichever clients it registers.
    const second = await floodFrom('127.0.0.2', 'Flood two', 3);
    expect(second.outcomes).toEqual(['asked', 'asked', 'temporarily_unavailable']);
    // Five requests wait now, the old global cap: the owner, connecting from elsewhere, is
    // still asked.
    await connect();
  }, 30_000);

  /** The audit log's entries for one subject, oldest first. */
  async function auditRows(subject: string) {
    const handle = await openDatabase({
      url: `file:${join(t.dir, 'data', 'switchboard.db')}`,
      driver: 'libsql-client',
    });
    try {
      const { rows } = await handle.client.execute({
        sql: 'SELECT actor, channel, action, detail FROM audit_log WHERE subject = ? ORDER BY at',
        args: [subject],
      });
      return rows.map((r) => ({
        actor: r.actor,
        channel: r.channel,
        action: r.action,
        detail: JSON.parse(String(r.detail)) as unknown,
      }));
    } finally {
      handle.close();
    }
  }

  async function tokenRequest(provider: ConnectorProvider, params: Record<string, string>) {
    const info = provider.info as { client_id: string; client_secret?: string };
    return fetch(`${t.app.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        ...params,
        client_id: info.client_id,
        ...(info.client_secret ? { client_secret: info.client_secret } : {}),
      }),
    });
  }
});

describe('OAuth registration and redirect URIs: strict, bounded', () => {
  let app: RunningSwitchboard;
  beforeAll(async () => {
    app = await startInProcess({
      dir: makeTempDir(),
      adminToken: 'oauth-registration-admin-token-0123',
      yaml: 'users: [{ telegram_id: 1, name: ops, role: owner }]',
    });
  }, 30_000);
  afterAll(async () => {
    await app?.close();
  });

  const register = (body: unknown) =>
    fetch(`${app.url}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  /** GET /authorize for `clientId` with a valid request but this redirect_uri. */
  const authorize = (clientId: string, redirectUri: string) => {
    const url = new URL(`${app.url}/authorize`);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: redirectUri,
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
      state: 's1',
    }).toString();
    return fetch(url, { redirect: 'manual' });
  };

  it('refuses redirect URIs that could be read two ways, and registers clean ones', async () => {
    const bad = [
      'http://claude.ai/api/mcp/auth_callback', // plain http off loopback
      'https://claude.ai@evil.example/cb', // userinfo
      'https://evil.example\\@claude.ai/cb',
      'https://claude.ai/cb#fragment',
      'https://claude.ai/c b',
      'https://claude.ai/cb\r\nLocation: https://evil.example',
      'https://claude.ai/cb\u0000',
      'https://CLAUDE.ai/cb', // not in canonical form
      'https://claude.ai/a/../cb',
      'javascript:alert(1)',
      '/relative/cb',
      `https://claude.ai/${'a'.repeat(2_100)}`,
    ];
    for (const uri of bad) {
      const res = await register({ client_name: 'x', redirect_uris: [uri] });
      expect(res.status, uri).toBe(400);
      expect(((await res.json()) as { error: string }).error, uri).toBe('invalid_redirect_uri');
    }
    const missing = await register({ client_name: 'x' });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ error: 'invalid_client_metadata' });
    const ok = await register({
      client_name: 'Claude',
      redirect_uris: [CLAUDE_AI, CLAUDE_COM, 'http://127.0.0.1:33418/callback'],
      token_endpoint_auth_method: 'none',
    });
    expect(ok.status).toBe(201);
    const client = (await ok.json()) as Record<string, unknown>;
    expect(client).toMatchObject({ client_name: 'Claude', token_endpoint_auth_method: 'none' });
    expect(client.client_secret).toBeUndefined();
  });

  it('sends codes only to a registered redirect URI, character for character', async () => {
    const res = await register({
      client_name: 'Claude',
      redirect_uris: [CLAUDE_AI, CLAUDE_COM, 'http://127.0.0.1:33418/callback'],
    });
    const { client_id: id, client_secret: secret } = (await res.json()) as {
      client_id: string;
      client_secret: string;
    };
    expect(secret).toMatch(/^sbcs_/);
    const fuzzed = [
      'https://Claude.ai/api/mcp/auth_callback',
      'https://claude.ai/api/mcp/Auth_callback',
      'https://claude.ai:443/api/mcp/auth_callback',
      'https://claude.ai:8443/api/mcp/auth_callback',
      'https://claude.ai/api/mcp/auth_callback/',
      'https://claude.ai/api/mcp/auth_callback?next=https://evil.example',
      'https://claude.ai/api/mcp/auth_callback#x',
      'https://claude.ai/api/mcp/auth_callback/../../evil',
      'https://claude.ai.evil.example/api/mcp/auth_callback',
      'https://evil.example@claude.ai/api/mcp/auth_callback',
      'https://claude.ai@evil.example/api/mcp/auth_callback',
      'https://claude.ai/api/mcp/auth_callback%0d%0aSet-Cookie:x=1',
      'https://claude.ai/api/mcp/auth_callback\t',
      ' https://claude.ai/api/mcp/auth_callback',
      'http://127.0.0.1:33419/callback', // a loopback URI with another port
      'http://localhost:33418/callback',
    ];
    for (const uri of fuzzed) {
      const r = await authorize(id, uri);
      expect(r.status, uri).toBe(400);
      expect(r.headers.get('location'), uri).toBeNull();
      expect(await r.text()).toContain('Wrong redirect address');
    }
    // The registered ones (both Claude callbacks, the loopback one) pass every check; this
    // Switchboard has no bot to ask the owner with, and says so instead of waiting forever.
    for (const uri of [CLAUDE_AI, CLAUDE_COM, 'http://127.0.0.1:33418/callback']) {
      const r = await authorize(id, uri);
      expect(r.status, uri).toBe(503);
      expect(await r.text()).toContain('Nobody to ask');
    }
    // An unknown client is a dead end, not a redirect.
    const unknown = await authorize('00000000-0000-0000-0000-000000000000', CLAUDE_AI);
    expect(unknown.status).toBe(400);
    expect(unknown.headers.get('location')).toBeNull();
    // Once the redirect URI is trusted, other mistakes go back to it: PKCE is required.
    const url = new URL(`${app.url}/authorize`);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: id,
      redirect_uri: CLAUDE_AI,
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'plain',
      state: 's2',
    }).toString();
    const plain = await fetch(url, { redirect: 'manual' });
    expect(plain.status).toBe(302);
    const back = new URL(plain.headers.get('location') ?? '');
    expect(back.searchParams.get('error')).toBe('invalid_request');
    expect(back.searchParams.get('state')).toBe('s2');
    // A state too long to echo is refused rather than cut (a cut one fails the client's check).
    url.searchParams.set('code_challenge_method', 'S256');
    url.searchParams.set('state', 's'.repeat(1_001));
    const long = new URL((await fetch(url, { redirect: 'manual' })).headers.get('location') ?? '');
    expect(long.searchParams.get('error')).toBe('invalid_request');
    expect(long.searchParams.get('state')).toBeNull();
  });

  it('stops a flood of registrations from one address with 429, and only that address', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 15; i++) {
      statuses.push(
        (await register({ client_name: `bot ${i}`, redirect_uris: [CLAUDE_AI] })).status,
      );
    }
    // Earlier tests registered a few from this address; its hourly budget is 10.
    expect(statuses.filter((s) => s === 201).length).toBeLessThan(10);
    expect(statuses.at(-1)).toBe(429);
    const first429 = statuses.indexOf(429);
    expect(statuses.slice(first429).every((s) => s === 429)).toBe(true);
    // Someone else, meanwhile, can still register.
    const elsewhere = await fromAddress('127.0.0.5', `${app.url}/register`, {
      method: 'POST',
      body: JSON.stringify({ client_name: 'Owner app', redirect_uris: [CLAUDE_AI] }),
    });
    expect(elsewhere.status).toBe(201);
  });
});
