import { statSync } from 'node:fs';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DomainEvent } from '../../src/core/events.js';
import { createPushSender, type PushSender } from '../../src/core/push/push-sender.js';
import { loadOrCreateVapidKeys, VAPID_KEYS_FILE } from '../../src/entry/vapid-keys.js';
import { createWebPushTransport } from '../../src/entry/web-push-transport.js';
import {
  browserKeys,
  decryptPush,
  startPushService,
  verifyVapid,
  type BrowserKeys,
} from '../helpers/push-service.js';
import { makeTempDir } from '../helpers/temp-db.js';
import { createStaticHostResolver } from '../../src/core/fakes/static-host-resolver.js';
import type { PushHostPolicy } from '../../src/core/push/endpoint-policy.js';
import { signInAs } from '../helpers/web-session.js';
import { createTestApp, T0, type TestApp } from '../helpers/test-app.js';

const ORIGIN = 'http://localhost';
/** Push services are https hosts by name; the transport's fetch maps these to loopback. */
const PUSH_HOST = 'https://push.test';
/** An allowed push host whose name resolves to this machine. */
const REBOUND_HOST = 'https://rebound.push.test';
const PUSH_HOSTS: PushHostPolicy = {
  allowedHosts: ['push.test', '*.push.test'],
  allowPrivateAddresses: false,
};
/** push.test stands in for a push service's public address (the fetch goes to loopback). */
const RESOLVER = createStaticHostResolver({
  'push.test': ['142.250.74.10'],
  'rebound.push.test': ['127.0.0.1'],
});
const SUBJECT = 'mailto:ops@example.com';

describe('Web Push end to end: a push service stand-in on loopback receives what the core says', () => {
  let t: TestApp;
  let service: Awaited<ReturnType<typeof startPushService>>;
  let sender: PushSender;
  let publicKey: string;
  let keyFile: string;
  const pending: DomainEvent[] = [];

  beforeEach(async () => {
    service = await startPushService();
    const dir = makeTempDir();
    const vapid = loadOrCreateVapidKeys(dir, null);
    keyFile = join(dir, VAPID_KEYS_FILE);
    publicKey = vapid.keys.publicKey;
    const toLoopback: typeof fetch = (input, init) =>
      fetch(String(input).replace(/^https:\/\/([a-z]+\.)?push\.test/, service.origin), init);
    t = await createTestApp({
      roleOf: (name) =>
        name === 'ops' ? 'approver' : name === 'boss' ? 'owner' : name === 'eve' ? 'viewer' : null,
      pushPublicKey: publicKey,
      pushHosts: PUSH_HOSTS,
      pushResolver: RESOLVER,
      onEvent: (event) => sender.notify(event),
    });
    sender = createPushSender(
      {
        subscriptions: t.pushSubscriptions,
        transport: createWebPushTransport({
          keys: vapid.keys,
          subject: SUBJECT,
          timeoutMs: 300,
          fetch: toLoopback,
        }),
        roleOf: (name) => (name === 'ops' ? 'approver' : name === 'boss' ? 'owner' : 'viewer'),
        clock: t.clock,
        log: t.log,
        pushHosts: PUSH_HOSTS,
        resolver: RESOLVER,
      },
      { maxFailures: 5 },
    );
    pending.length = 0;
  });
  afterEach(async () => {
    sender.stop();
    t.dispose();
    await service.close();
  });

  async function signIn(user: string) {
    const { status, cookie, csrf } = await signInAs(t, user);
    expect(status).toBe(201);
    const call = (method: string, path: string, body?: unknown, csrfToken = csrf) =>
      t.raw(path, {
        method,
        headers: {
          Cookie: cookie,
          Origin: ORIGIN,
          'X-CSRF-Token': csrfToken,
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    return { call };
  }

  /** A browser subscribes through the API, as the PWA's button does. */
  async function subscribe(user: string, path: string): Promise<BrowserKeys> {
    const keys = browserKeys();
    const { call } = await signIn(user);
    const res = await call('POST', '/api/push/subscriptions', {
      endpoint: `${PUSH_HOST}${path}`,
      expirationTime: null,
      keys: { p256dh: keys.p256dh, auth: keys.auth },
    });
    expect(res.status).toBe(201);
    return keys;
  }

  it('keeps the VAPID keys in the data dir (0600) and serves the public key', async () => {
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(loadOrCreateVapidKeys(join(keyFile, '..'), null)).toMatchObject({
      created: false,
      keys: { publicKey },
    });
    const { call } = await signIn('ops');
    expect(await (await call('GET', '/api/push/key')).json()).toEqual({ public_key: publicKey });
    expect((await t.raw('/api/push/key')).status).toBe(401);
  });

  it('an approval request reaches approvers only, encrypted (RFC 8291) and VAPID-signed (RFC 8292)', async () => {
    const ops = await subscribe('ops', '/send/ops');
    const boss = await subscribe('boss', '/send/boss');
    await subscribe('eve', '/send/eve');
    const { call } = await signIn('ops');
    const submitted = await call('POST', '/api/tasks', {
      kind: 'shell',
      host: 'local',
      argv: ['rm', '-rf', 'build', 'x'.repeat(300)],
    });
    expect(submitted.status).toBe(201);
    const task = (await submitted.json()) as { id: string; status: string };
    expect(task.status).toBe('awaiting_approval');
    await sender.idle();

    expect(service.received.map((r) => r.path).sort()).toEqual(['/send/boss', '/send/ops']);
    for (const [path, keys] of [
      ['/send/ops', ops],
      ['/send/boss', boss],
    ] as const) {
      const push = service.received.find((r) => r.path === path)!;
      expect(push.headers['content-encoding']).toBe('aes128gcm');
      expect(push.headers['urgency']).toBe('high');
      expect(Number(push.headers['ttl'])).toBeGreaterThan(0);
      const message = JSON.parse(decryptPush(push.body, keys)) as Record<string, string>;
      expect(message).toEqual({
        title: 'Approval needed: medium risk',
        body: expect.stringMatching(/^#\w{8} local — rm -rf build x+…$/),
        url: '/#/approvals',
        tag: `approval-${task.id}`,
      });
      expect(message.body!.length).toBeLessThan(120);
      const vapid = verifyVapid(push.headers.authorization);
      expect(vapid.k).toBe(publicKey);
      expect(vapid.header).toMatchObject({ alg: 'ES256', typ: 'JWT' });
      expect(vapid.claims.aud).toBe(PUSH_HOST);
      expect(vapid.claims.sub).toBe(SUBJECT);
      const inS = vapid.claims.exp - Date.now() / 1000;
      expect(inS).toBeGreaterThan(0);
      expect(inS).toBeLessThanOrEqual(24 * 3600);
    }
    // Delivery recorded on the rows of those who got it.
    const rows = await t.pushSubscriptions.list();
    expect(rows.filter((r) => r.lastSuccessAt !== null).map((r) => r.userName)).toEqual([
      'ops',
      'boss',
    ]);
  });

  it('a breaker alert arrives as a short spend message', async () => {
    const keys = await subscribe('boss', '/send/boss');
    sender.notify({
      type: 'breaker.alert',
      task: null,
      breaker: {
        key: 'day:2026-01-01',
        scope: 'day',
        period: '2026-01-01',
        thresholdUsd: 20,
        spentUsd: 21.5,
        reservedUsd: 0,
        state: 'open',
        overriddenBy: null,
        updatedAt: T0,
      },
    });
    await sender.idle();
    expect(service.received).toHaveLength(1);
    expect(JSON.parse(decryptPush(service.received[0]!.body, keys))).toEqual({
      title: 'Daily spend breaker open',
      body: '$21.50 of $20.00 (2026-01-01)',
      url: '/#/spend',
      tag: 'breaker-day:2026-01-01',
    });
    verifyVapid(service.received[0]!.headers.authorization);
  });

  const alert: DomainEvent = {
    type: 'breaker.alert',
    task: null,
    breaker: {
      key: 'month:2026-01',
      scope: 'month',
      period: '2026-01',
      thresholdUsd: 80,
      spentUsd: 81,
      reservedUsd: 0,
      state: 'flagged',
      overriddenBy: null,
      updatedAt: T0,
    },
  };

  it('410 Gone from the push service removes the subscription at once', async () => {
    await subscribe('ops', '/send/gone');
    await subscribe('boss', '/send/fine');
    service.statusFor.set('/send/gone', 410);
    sender.notify(alert);
    await sender.idle();
    expect((await t.pushSubscriptions.list()).map((s) => s.endpoint)).toEqual([
      `${PUSH_HOST}/send/fine`,
    ]);
    expect(t.log.lines.some((l) => l.message.includes('expired, removed'))).toBe(true);
  });

  it('five failures in a row remove a subscription; fewer keep it', async () => {
    await subscribe('ops', '/send/flaky');
    service.statusFor.set('/send/flaky', 500);
    for (let i = 1; i <= 4; i++) {
      sender.notify(alert);
      await sender.idle();
      expect((await t.pushSubscriptions.list())[0]?.failureCount).toBe(i);
    }
    sender.notify(alert);
    await sender.idle();
    expect(await t.pushSubscriptions.list()).toEqual([]);
    expect(service.received).toHaveLength(5);
  });

  it('a push service that never answers does not hold up the core, and counts as a failure', async () => {
    await subscribe('ops', '/send/slow');
    service.hang.add('/send/slow');
    const { call } = await signIn('ops');
    const started = Date.now();
    const submitted = await call('POST', '/api/tasks', {
      kind: 'shell',
      host: 'local',
      argv: ['rm', 'x'],
    });
    expect(submitted.status).toBe(201);
    // The API answered while the push was still stuck in flight.
    const idle = sender.idle().then(() => 'idle');
    expect(await Promise.race([idle, Promise.resolve('in flight')])).toBe('in flight');
    await idle;
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(service.received).toHaveLength(1);
    expect((await t.pushSubscriptions.list())[0]?.failureCount).toBe(1);
  });

  it('a push host whose name resolves to 127.0.0.1 is refused at subscribe, and at send', async () => {
    const keys = browserKeys();
    const ops = await signIn('ops');
    const res = await ops.call('POST', '/api/push/subscriptions', {
      endpoint: `${REBOUND_HOST}/send/rebound`,
      keys: { p256dh: keys.p256dh, auth: keys.auth },
    });
    expect(res.status).toBe(400);
    expect(JSON.stringify(await res.json())).toContain('loopback or private address');
    expect(await t.pushSubscriptions.list()).toEqual([]);

    // A row stored before the check existed, or a name re-pointed since, is vetted per send.
    await t.pushSubscriptions.save({
      id: 'stored-earlier',
      endpoint: `${REBOUND_HOST}/send/rebound`,
      p256dh: keys.p256dh,
      auth: keys.auth,
      userName: 'boss',
      role: 'owner',
      createdAt: T0,
      lastSuccessAt: null,
      failureCount: 0,
    });
    await subscribe('boss', '/send/boss');
    sender.notify(alert);
    await sender.idle();
    expect(service.received.map((r) => r.path)).toEqual(['/send/boss']);
    expect((await t.pushSubscriptions.list()).map((s) => s.endpoint)).toEqual([
      `${PUSH_HOST}/send/boss`,
    ]);
    expect(t.log.lines.some((l) => l.message.includes('endpoint refused'))).toBe(true);
  });

  it('subscribing needs the CSRF token and a valid subscription; unsubscribing takes only your own', async () => {
    const keys = browserKeys();
    const body = (endpoint: string, over: Record<string, string> = {}) => ({
      endpoint,
      keys: { p256dh: keys.p256dh, auth: keys.auth, ...over },
    });
    const ops = await signIn('ops');
    const eve = await signIn('eve');
    const post = (b: unknown, csrf?: string) =>
      ops.call('POST', '/api/push/subscriptions', b, csrf);
    expect((await post(body(`${PUSH_HOST}/a`), 'f'.repeat(64))).status).toBe(403);
    for (const bad of [
      body('http://push.test/a'),
      body('https://127.0.0.1/a'),
      body('https://localhost/a'),
      body('https://localhost./a'),
      body('https://[::1]/a'),
      body('https://[::ffff:127.0.0.1]/a'),
      body('https://pushtest/a'),
      body('https://push.evil.example/a'),
      body('https://user:pw@push.test/a'),
      body(`${PUSH_HOST}/${'a'.repeat(2100)}`),
      body(`${PUSH_HOST}/a`, { p256dh: 'A'.repeat(87) }),
      body(`${PUSH_HOST}/a`, { auth: 'short' }),
      { ...body(`${PUSH_HOST}/a`), extra: 1 },
    ]) {
      expect((await post(bad)).status, JSON.stringify(bad).slice(0, 80)).toBe(400);
    }
    expect(await t.pushSubscriptions.list()).toEqual([]);
    expect((await post(body(`${PUSH_HOST}/a`))).status).toBe(201);
    const del = (who: typeof ops, csrf?: string) =>
      who.call('DELETE', '/api/push/subscriptions', { endpoint: `${PUSH_HOST}/a` }, csrf);
    expect((await del(ops, 'f'.repeat(64))).status).toBe(403);
    expect(await (await del(eve)).json()).toEqual({ removed: false });
    expect(await t.pushSubscriptions.list()).toHaveLength(1);
    expect(await (await del(ops)).json()).toEqual({ removed: true });
    expect(await t.pushSubscriptions.list()).toEqual([]);
  });
});

describe('the Web Push transport connects only where the check allows', () => {
  it('refuses at connect time a push host that resolves to loopback (no DNS rebinding window)', async () => {
    const connections: string[] = [];
    const server = createNetServer((socket) => {
      connections.push(socket.remoteAddress ?? '?');
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const keys = browserKeys();
    const vapid = loadOrCreateVapidKeys(makeTempDir(), null).keys;
    const sub = {
      endpoint: `https://localhost:${port}/send/x`,
      p256dh: keys.p256dh,
      auth: keys.auth,
    };
    try {
      // No injected fetch: the transport's own https client and name lookup.
      const refusing = createWebPushTransport({ keys: vapid, subject: SUBJECT, timeoutMs: 2_000 });
      const r = await refusing.send(sub, '{}');
      expect(r).toMatchObject({ ok: false, status: null });
      expect(r.ok || r.error).toMatch(/loopback or private address/);
      expect(connections).toEqual([]);
      // The same send with private addresses allowed does reach the socket.
      const allowing = createWebPushTransport({
        keys: vapid,
        subject: SUBJECT,
        timeoutMs: 2_000,
        pushHosts: { allowPrivateAddresses: true },
      });
      expect((await allowing.send(sub, '{}')).ok).toBe(false);
      expect(connections).toEqual(['127.0.0.1']);
    } finally {
      server.close();
    }
  });
});
