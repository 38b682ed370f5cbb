import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Hono } from 'hono';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWebAssets, WEB_DIR } from '../../src/entry/web-assets.js';
import { hashToken } from '../../src/gateway/token-hash.js';
import { createPwaRoutes } from '../../src/gateway/routes/pwa.js';
import { ADMIN_TOKEN, createTestApp, T0, type TestApp } from '../helpers/test-app.js';

const ORIGIN = 'http://localhost';
const LS = { kind: 'shell', host: 'local', argv: ['ls'] };

/** Reads Server-Sent Events from a streaming response until `count` have arrived. */
async function readEvents(res: Response, count: number) {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const events: { event: string; id: string; data: string }[] = [];
  let buffer = '';
  while (events.length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const field = (name: string) =>
        block
          .split('\n')
          .find((l) => l.startsWith(`${name}:`))
          ?.slice(name.length + 1)
          .trim() ?? '';
      if (field('event'))
        events.push({ event: field('event'), id: field('id'), data: field('data') });
    }
  }
  await reader.cancel();
  return events;
}

describe('the PWA over HTTP: sign-in, sessions, CSRF, events, spend', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp({
      roleOf: (name) => (name === 'ops' ? 'owner' : name === 'eve' ? 'viewer' : null),
    });
  });
  afterEach(() => t.dispose());

  async function link(user = 'ops', ttlMs = 5 * 60_000) {
    const secret = `secret-${Math.random()}`;
    await t.logins.create({
      tokenHash: await hashToken(secret),
      userName: user,
      createdAt: T0,
      expiresAt: new Date(Date.parse(T0) + ttlMs).toISOString(),
    });
    return secret;
  }

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    t.raw(path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Origin: ORIGIN, ...headers },
      body: JSON.stringify(body),
    });

  /** Signs in with a fresh link: the cookie header and the CSRF token. */
  async function signIn(user = 'ops') {
    const res = await post('/auth/link', { token: await link(user) });
    expect(res.status).toBe(201);
    const setCookie = res.headers.get('set-cookie') ?? '';
    const body = (await res.json()) as { user: string; csrf_token: string };
    return { cookie: setCookie.split(';')[0] ?? '', csrf: body.csrf_token, setCookie, body };
  }

  it('trades a link once for an HttpOnly SameSite=Strict cookie; reuse and expiry are refused', async () => {
    const secret = await link();
    const first = await post('/auth/link', { token: secret });
    expect(first.status).toBe(201);
    const cookie = first.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(
      /^switchboard_session=[\w-]{43}; Max-Age=604800; Path=\/; HttpOnly; SameSite=Strict$/,
    );
    const again = await post('/auth/link', { token: secret });
    expect(again.status).toBe(401);
    expect(((await again.json()) as { error: string }).error).toBe('link_invalid');
    const late = await link('ops', 5 * 60_000);
    t.clock.advance(5 * 60_000);
    expect((await post('/auth/link', { token: late })).status).toBe(401);
    // Only hashes are stored: neither the link's secret nor the cookie's is in the database.
    const rows = await t.db.client.execute('SELECT * FROM web_sessions');
    expect(JSON.stringify(rows.rows)).not.toContain(cookie.split(';')[0]!.split('=')[1]);
  });

  it('refuses a link for someone no longer in the config, and a sign-in from another site', async () => {
    const gone = await post('/auth/link', { token: await link('mallory') });
    expect(gone.status).toBe(403);
    const forged = await post(
      '/auth/link',
      { token: await link() },
      { Origin: 'https://evil.example' },
    );
    expect(forged.status).toBe(403);
    const noOrigin = await t.raw('/auth/token', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ token: ADMIN_TOKEN }),
    });
    expect(noOrigin.status).toBe(403);
  });

  it('signs in with the admin token as the owner, and not with a wrong one', async () => {
    expect((await post('/auth/token', { token: 'nope' })).status).toBe(401);
    const res = await post('/auth/token', { token: ADMIN_TOKEN });
    expect(res.status).toBe(201);
    const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
    const who = await t.raw('/auth/session', { headers: { Cookie: cookie } });
    expect(await who.json()).toMatchObject({ user: 'admin', role: 'owner', method: 'admin_token' });
  });

  it('sets a __Host- Secure cookie behind an https public URL', async () => {
    t.dispose();
    t = await createTestApp({ roleOf: () => 'owner', publicUrl: 'https://sb.example.com' });
    const res = await post(
      '/auth/link',
      { token: await link() },
      { Origin: 'https://sb.example.com' },
    );
    expect(res.status).toBe(201);
    expect(res.headers.get('set-cookie')).toMatch(
      /^__Host-switchboard_session=[\w-]+; .*Path=\/; HttpOnly; Secure; SameSite=Strict$/,
    );
  });

  it('lets a session read, and change state only with our Origin and its CSRF token', async () => {
    const { cookie, csrf } = await signIn();
    expect((await t.raw('/api/tasks', { headers: { Cookie: cookie } })).status).toBe(200);
    const create = (headers: Record<string, string>) =>
      post('/api/tasks', LS, { Cookie: cookie, ...headers });
    expect((await create({})).status).toBe(403);
    expect((await create({ 'X-CSRF-Token': 'f'.repeat(64) })).status).toBe(403);
    expect((await create({ 'X-CSRF-Token': csrf, Origin: 'https://evil.example' })).status).toBe(
      403,
    );
    expect((await create({ 'X-CSRF-Token': csrf, 'Sec-Fetch-Site': 'cross-site' })).status).toBe(
      403,
    );
    const ok = await create({ 'X-CSRF-Token': csrf, 'Sec-Fetch-Site': 'same-origin' });
    expect(ok.status).toBe(201);
    const task = (await ok.json()) as { requester: string; channel: string };
    expect(task).toMatchObject({ requester: 'ops', channel: 'pwa' });
    expect(await t.stores.tasks.list({ limit: 10 })).toHaveProperty('items.length', 1);
  });

  it('acts with the role the config gives now: a viewer reads but cannot submit', async () => {
    const { cookie, csrf } = await signIn('eve');
    expect((await t.raw('/api/tasks', { headers: { Cookie: cookie } })).status).toBe(200);
    const res = await post('/api/tasks', LS, { Cookie: cookie, 'X-CSRF-Token': csrf });
    expect(res.status).toBe(403);
  });

  it('ends the session on logout and when it expires', async () => {
    const { cookie } = await signIn();
    const out = await t.raw('/auth/logout', {
      method: 'POST',
      headers: { Cookie: cookie, Origin: ORIGIN },
    });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/^switchboard_session=; Max-Age=0/);
    expect((await t.raw('/api/tasks', { headers: { Cookie: cookie } })).status).toBe(401);
    const second = await signIn();
    t.clock.advance(7 * 24 * 3600_000);
    expect((await t.raw('/api/tasks', { headers: { Cookie: second.cookie } })).status).toBe(401);
    expect((await t.raw('/auth/session', { headers: { Cookie: second.cookie } })).status).toBe(401);
  });

  it('streams events and resumes after Last-Event-ID, or says reset when it cannot', async () => {
    const { cookie } = await signIn();
    const first = await t.raw('/api/events', { headers: { Cookie: cookie } });
    expect(first.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const [hello] = await readEvents(first, 1);
    expect(hello).toMatchObject({ event: 'hello', id: 'test-0' });
    // Two tasks while the browser is away.
    await t.send('POST', '/api/tasks', LS);
    await t.send('POST', '/api/tasks', { ...LS, argv: ['pwd'] });
    const resumed = await t.raw('/api/events', {
      headers: { Cookie: cookie, 'Last-Event-ID': hello!.id },
    });
    const missed = await readEvents(resumed, 3);
    expect(missed.map((e) => e.event)).toEqual(['hello', 'task.changed', 'task.changed']);
    const ids = missed.slice(1).map((e) => e.id);
    expect(ids).toEqual(['test-1', 'test-2']);
    expect(JSON.parse(missed[2]!.data)).toMatchObject({
      task: { argv: ['pwd'], status: 'queued' },
    });
    // From the last one seen: nothing to replay, the stream waits for the next event.
    const upToDate = await t.raw('/api/events', {
      headers: { Cookie: cookie, 'Last-Event-ID': 'test-2' },
    });
    const next = readEvents(upToDate, 2);
    await t.send('POST', '/api/tasks', { ...LS, argv: ['id'] });
    expect((await next).map((e) => [e.event, e.id])).toEqual([
      ['hello', 'test-2'],
      ['task.changed', 'test-3'],
    ]);
    const stale = await t.raw('/api/events', {
      headers: { Cookie: cookie, 'Last-Event-ID': 'other-boot-7' },
    });
    expect((await readEvents(stale, 1))[0]).toMatchObject({
      event: 'reset',
      id: expect.stringMatching(/^test-[34]$/),
    });
    expect((await t.raw('/api/events')).status).toBe(401);
  });

  it('ends open streams when the feed closes (shutdown does not wait for them)', async () => {
    const { cookie } = await signIn();
    const res = await t.raw('/api/events', { headers: { Cookie: cookie } });
    const reader = res.body!.getReader();
    await reader.read();
    t.events.close();
    for (let r = await reader.read(); !r.done; r = await reader.read());
    const late = await t.raw('/api/events', { headers: { Cookie: cookie } });
    expect(await late.text()).toMatch(/^event: hello\n/);
  });

  it('answers 30 UTC days of spend against the limits', async () => {
    const at = (d: string) => `${d}T12:00:00.000Z`;
    for (const [day, usd] of [
      ['2025-12-31', 4.5],
      ['2025-12-03', 30],
      ['2025-12-02', 99],
    ] as const) {
      await t.stores.breakers.book({
        fresh: {
          key: `day:${day}`,
          scope: 'day',
          period: day,
          thresholdUsd: 20,
          spentUsd: 0,
          reservedUsd: 0,
          state: 'ok',
          overriddenBy: null,
          updatedAt: at(day),
        },
        at: at(day),
        addSpentUsd: usd,
      });
    }
    const res = await t.call('/api/spend?days=30');
    const body = (await res.json()) as {
      days: { day: string; spent_usd: number }[];
      day_threshold_usd: number;
    };
    expect(body.days).toHaveLength(30);
    expect(body.days[0]).toEqual({ day: '2025-12-03', spent_usd: 30, overridden: false });
    expect(body.days.at(-2)).toMatchObject({ day: '2025-12-31', spent_usd: 4.5 });
    expect(body.days.at(-1)).toMatchObject({ day: '2026-01-01', spent_usd: 0 });
    expect(body.day_threshold_usd).toBe(20);
    expect((await t.call('/api/spend?days=0')).status).toBe(400);
  });

  it('re-runs a finished task and shows its compressed result', async () => {
    const created = (await (await t.send('POST', '/api/tasks', LS)).json()) as { id: string };
    expect((await t.send('POST', `/api/tasks/${created.id}/rerun`, {})).status).toBe(400);
    await t.send('POST', `/api/tasks/${created.id}/cancel`, {});
    const rerun = await t.send('POST', `/api/tasks/${created.id}/rerun`, {});
    expect(rerun.status).toBe(201);
    expect(await rerun.json()).toMatchObject({ argv: ['ls'], status: 'queued' });
    const result = (await (await t.call(`/api/tasks/${created.id}/result`)).json()) as {
      summary: string;
      mermaid: string;
    };
    expect(result.summary).toContain('cancelled');
    expect(result.mermaid).toMatch(/^flowchart/);
  });

  it('lists runners and the hosts it knows', async () => {
    expect(await (await t.call('/api/runners')).json()).toEqual({ embedded: null, runners: [] });
    expect(await (await t.call('/api/hosts')).json()).toEqual({ hosts: [] });
    expect((await t.send('POST', '/api/hosts/local/probe', {})).status).toBe(404);
  });
});

describe('the PWA files', () => {
  const app = new Hono().route('/', createPwaRoutes(createWebAssets()));

  it('serves the shell at / and /login under a strict CSP, and the worker for the whole origin', async () => {
    for (const path of ['/', '/login']) {
      const res = await app.request(path);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(await res.text()).toContain('<link rel="manifest"');
    }
    const sw = await app.request('/sw.js');
    expect(sw.headers.get('service-worker-allowed')).toBe('/');
    expect(sw.headers.get('cache-control')).toBe('no-cache');
    expect((await app.request('/../package.json')).status).toBe(404);
    expect((await app.request('/vendor/mermaid/../../package.json')).status).toBe(404);
    const mermaid = await app.request('/vendor/mermaid/mermaid.esm.min.mjs');
    expect(mermaid.status).toBe(200);
    expect(mermaid.headers.get('content-type')).toMatch(/^text\/javascript/);
    const zipped = await app.request('/app.js', { headers: { 'Accept-Encoding': 'gzip' } });
    expect(zipped.headers.get('content-encoding')).toBe('gzip');
  });

  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((n) =>
      statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : [join(dir, n)],
    );

  it("keeps the app's own JavaScript under 150 KB gzipped (Mermaid is loaded on demand)", () => {
    const js = walk(WEB_DIR).filter((p) => p.endsWith('.js'));
    const gzipped = js.reduce((sum, p) => sum + gzipSync(readFileSync(p)).length, 0);
    expect(js.length).toBeGreaterThan(10);
    expect(gzipped).toBeLessThan(150 * 1024);
    // Nothing of Mermaid's is part of the shell: only mermaid-view.js imports it, dynamically.
    const importers = js.filter((p) => readFileSync(p, 'utf8').includes('/vendor/mermaid/'));
    expect(importers.map((p) => relative(WEB_DIR, p))).toEqual(['mermaid-view.js']);
    expect(readFileSync(join(WEB_DIR, 'mermaid-view.js'), 'utf8')).toContain(
      "import('/vendor/mermaid/mermaid.esm.min.mjs')",
    );
  });

  it('precaches every file of the app in the service worker', () => {
    const files = walk(WEB_DIR)
      .map((p) => `/${relative(WEB_DIR, p)}`)
      // Dotfiles are tooling (wrangler's .assetsignore), not the app, and are never served.
      .filter((p) => p !== '/sw.js' && !p.split('/').at(-1)?.startsWith('.'));
    const sw = readFileSync(join(WEB_DIR, 'sw.js'), 'utf8');
    const shell = [...sw.matchAll(/^\s+'(\/[^']*)',$/gm)].map((m) => m[1]);
    expect(shell.filter((p) => p !== '/').sort()).toEqual(files.sort());
  });
});
