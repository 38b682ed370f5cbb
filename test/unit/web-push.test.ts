import { describe, expect, it } from 'vitest';
import type { Role } from '../../src/core/actor.js';
import type { DomainEvent } from '../../src/core/events.js';
import { createFixedClock } from '../../src/core/fakes/fixed-clock.js';
import { createMemoryPushSubscriptions } from '../../src/core/fakes/memory-push-subscriptions.js';
import type { PushSubscriptionRecord } from '../../src/core/ports/push-subscriptions.js';
import type { PushOutcome, PushTransport } from '../../src/core/ports/push-transport.js';
import { pushNoticeFor, recipientsOf } from '../../src/core/push/push-message.js';
import { createPushSender } from '../../src/core/push/push-sender.js';
import {
  subscribePush,
  MAX_SUBSCRIPTIONS_PER_USER,
} from '../../src/core/use-cases/push-subscription.js';
import { createSequentialIds } from '../../src/core/fakes/sequential-ids.js';
import { createStaticHostResolver } from '../../src/core/fakes/static-host-resolver.js';
import {
  DEFAULT_PUSH_POLICY,
  pushEndpointProblem,
  vetPushEndpoint,
  type PushHostPolicy,
} from '../../src/core/push/endpoint-policy.js';
import { isPublicAddress } from '../../src/core/net/address-ranges.js';
import { loadConfig } from '../../src/entry/config/load-config.js';
import { aTask, anApproval } from '../helpers/builders.js';
import { createRecordingLogger } from '../helpers/test-app.js';

const T0 = '2026-01-01T00:00:00.000Z';
const ROLES: Record<string, Role> = { ops: 'approver', boss: 'owner', eve: 'viewer' };
const roleOf = (name: string) => ROLES[name] ?? null;

const sub = (
  userName: string,
  role: Role = ROLES[userName] ?? 'viewer',
): PushSubscriptionRecord => ({
  id: userName,
  endpoint: `https://push.example/${userName}`,
  p256dh: 'k',
  auth: 'a',
  userName,
  role,
  createdAt: T0,
  lastSuccessAt: null,
  failureCount: 0,
});

/** The hosts these tests push to, resolving to a public address. */
const PUSH_HOSTS: PushHostPolicy = {
  allowedHosts: ['push.example', 'p.example'],
  allowPrivateAddresses: false,
};
const RESOLVER = createStaticHostResolver({
  'push.example': ['8.8.8.8'],
  'p.example': ['2606:4700::1111'],
});
const vetting = { pushHosts: PUSH_HOSTS, resolver: RESOLVER };

const secretPrompt = `deploy with token sk-live-${'s'.repeat(200)} and more`;
const approval: DomainEvent = {
  type: 'approval.requested',
  task: aTask({
    id: 'task-1',
    kind: 'agent',
    prompt: secretPrompt,
    risk: 'high',
    gate: 'typed_phrase',
    argv: null,
    executor: 'codex',
    repo: 'api',
  }),
  approval: anApproval({ id: 'ap-1', taskId: 'task-1', gate: 'typed_phrase' }),
};

describe('push notices', () => {
  it('an approval request is short: a prompt appears only as an excerpt', () => {
    const notice = pushNoticeFor(approval)!;
    expect(notice.audience).toBe('task.approve');
    expect(notice.message.title).toBe('Approval needed: high risk (typed phrase)');
    expect(notice.message.body.length).toBeLessThanOrEqual(110);
    expect(notice.message.body).toMatch(/^#\w+ local · api — deploy with token sk-live-s+…$/);
    expect(JSON.stringify(notice.message).length).toBeLessThan(400);
  });

  it('OAuth consent goes to owners only; progress and decisions wake nobody', () => {
    const consent = pushNoticeFor({
      type: 'oauth.consent_requested',
      client: {
        clientId: 'c',
        name: 'Claude',
        redirectUris: [],
        secretHash: null,
        metadata: {},
        source: null,
        createdAt: T0,
        expiresAt: T0,
        lastUsedAt: null,
      },
      grant: { id: 'g1' } as never,
    });
    expect(consent?.audience).toBe('owner');
    expect(
      pushNoticeFor({ type: 'task.progress', task: approval.task, outputTail: 'x', elapsedMs: 1 }),
    ).toBeNull();
    expect(pushNoticeFor({ type: 'task.changed', task: approval.task, from: null })).toBeNull();
    expect(pushNoticeFor({ type: 'task.escalation_ended', task: approval.task })).toMatchObject({
      audience: 'task.approve',
      message: { url: '/#/task/task-1', tag: 'escalation-task-1' },
    });
  });

  it('reaches the people whose current role may act', () => {
    const subs = [sub('ops'), sub('boss'), sub('eve'), sub('gone', 'owner'), sub('admin', 'owner')];
    expect(recipientsOf(subs, 'task.approve', roleOf).map((s) => s.userName)).toEqual([
      'ops',
      'boss',
      'admin',
    ]);
    expect(recipientsOf(subs, 'owner', roleOf).map((s) => s.userName)).toEqual(['boss', 'admin']);
    // Demoted in the config since subscribing: the stored role no longer counts.
    expect(recipientsOf([sub('eve', 'owner')], 'task.approve', roleOf)).toEqual([]);
  });
});

describe('where pushes may go', () => {
  it('only public unicast addresses count as public, IPv4 and IPv6 alike', () => {
    for (const a of [
      '8.8.8.8',
      '142.250.74.10',
      '1.1.1.1',
      '2606:4700::1111',
      '2a00:1450:4001::200e',
    ]) {
      expect([a, isPublicAddress(a)]).toEqual([a, true]);
    }
    for (const a of [
      '127.0.0.1',
      '127.255.0.9',
      '0.0.0.0',
      '10.1.2.3',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '100.127.255.254',
      '192.0.2.1',
      '198.18.0.1',
      '224.0.0.1',
      '255.255.255.255',
      '::',
      '::1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '::FFFF:10.0.0.1',
      '::127.0.0.1',
      '64:ff9b::a9fe:a9fe',
      '2002:7f00:1::',
      'fc00::1',
      'fd12:3456::1',
      'fe80::1',
      'fe80::1%eth0',
      'ff02::1',
      '2001:db8::1',
      '2001::1',
      'not-an-address',
      '127.1',
      '0x7f.0.0.1',
      '1:2:3:4:5:6:7:8:9',
      '1::2::3',
    ]) {
      expect([a, isPublicAddress(a)]).toEqual([a, false]);
    }
    // The IPv4 neighbours of the blocked ranges are public.
    for (const a of ['172.32.0.1', '100.128.0.1', '11.0.0.1', '::ffff:8.8.8.8']) {
      expect([a, isPublicAddress(a)]).toEqual([a, true]);
    }
  });

  it('an endpoint is an https URL on an allowed host name', () => {
    const ok = (e: string) => pushEndpointProblem(e, DEFAULT_PUSH_POLICY);
    expect(ok('https://fcm.googleapis.com/fcm/send/abc')).toBeNull();
    expect(ok('https://wns2-by3p.notify.windows.com/w/?token=x')).toBeNull();
    expect(ok('https://web.push.apple.com/QAbc')).toBeNull();
    expect(ok('https://updates.push.services.mozilla.com/wpush/v2/x')).toBeNull();
    for (const bad of [
      'http://fcm.googleapis.com/x',
      'https://u:p@fcm.googleapis.com/x',
      'https://127.0.0.1/x',
      'https://[::1]/x',
      'https://localhost/x',
      'https://localhost./x',
      'https://a.localhost/x',
      'https://intranet/x',
      'https://fcm.googleapis.com.evil.example/x',
      'https://notify.windows.com.evil.example/x',
      'https://evil.example/x',
      'not a url',
    ]) {
      expect([bad, ok(bad)]).not.toEqual([bad, null]);
    }
    const any: PushHostPolicy = { allowedHosts: ['*'], allowPrivateAddresses: false };
    expect(pushEndpointProblem('https://push.corp.example/x', any)).toBeNull();
    expect(pushEndpointProblem('https://localhost/x', any)).not.toBeNull();
  });

  it('a name must resolve, and only to public addresses unless private ones are allowed', async () => {
    const policy: PushHostPolicy = { allowedHosts: ['*'], allowPrivateAddresses: false };
    const resolver = createStaticHostResolver({
      'public.example': ['8.8.8.8', '2606:4700::1111'],
      'loop.example': ['127.0.0.1'],
      'mixed.example': ['8.8.8.8', '10.0.0.7'],
      'mapped.example': ['::ffff:192.168.0.1'],
    });
    const vet = (host: string, p = policy) => vetPushEndpoint(`https://${host}/x`, p, resolver);
    expect(await vet('public.example')).toBeNull();
    expect(await vet('loop.example')).toMatch(/loopback or private/);
    expect(await vet('mixed.example')).toMatch(/loopback or private/);
    expect(await vet('mapped.example')).toMatch(/loopback or private/);
    expect(await vet('nowhere.example')).toMatch(/does not resolve/);
    const failing = { resolve: () => Promise.reject(new Error('SERVFAIL')) };
    expect(await vetPushEndpoint('https://public.example/x', policy, failing)).toMatch(
      /does not resolve/,
    );
    expect(await vet('loop.example', { ...policy, allowPrivateAddresses: true })).toBeNull();
  });

  it('subscribing and sending refuse a name that resolves to 127.0.0.1', async () => {
    const store = createMemoryPushSubscriptions();
    const resolver = createStaticHostResolver({ 'fcm.googleapis.com': ['127.0.0.1'] });
    const deps = {
      pushSubscriptions: store,
      clock: createFixedClock(T0),
      ids: createSequentialIds('s'),
      pushHosts: DEFAULT_PUSH_POLICY,
      resolver,
    };
    const endpoint = 'https://fcm.googleapis.com/fcm/send/x';
    const r = await subscribePush({
      deps,
      actor: { id: 'boss', role: 'owner', channel: 'pwa' },
      input: { endpoint, p256dh: 'k', auth: 'a' },
    });
    expect(r).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect(await store.list()).toEqual([]);

    await store.save({ ...sub('boss'), endpoint });
    const sent: string[] = [];
    const log = createRecordingLogger();
    const sender = createPushSender({
      subscriptions: store,
      transport: { send: async (s) => (sent.push(s.endpoint), { ok: true }) },
      roleOf,
      clock: createFixedClock(T0),
      log,
      pushHosts: DEFAULT_PUSH_POLICY,
      resolver,
    });
    sender.notify(approval);
    await sender.idle();
    expect(sent).toEqual([]);
    expect(await store.list()).toEqual([]);
    expect(log.lines.map((l) => l.message)).toContain(
      'push: endpoint refused, subscription removed',
    );
  });
});

describe('subscribing', () => {
  it('keeps the newest devices per person', async () => {
    const store = createMemoryPushSubscriptions();
    const clock = createFixedClock(T0);
    const deps = { pushSubscriptions: store, clock, ids: createSequentialIds('s'), ...vetting };
    const actor = { id: 'ops', role: 'approver' as const, channel: 'pwa' as const };
    for (let i = 0; i < MAX_SUBSCRIPTIONS_PER_USER + 2; i++) {
      clock.advance(1000);
      const r = await subscribePush({
        deps,
        actor,
        input: { endpoint: `https://p.example/${i}`, p256dh: 'k', auth: 'a' },
      });
      expect(r.ok).toBe(true);
    }
    const left = (await store.list()).map((s) => s.endpoint);
    expect(left).toHaveLength(MAX_SUBSCRIPTIONS_PER_USER);
    expect(left[0]).toBe('https://p.example/2');
    const system = { id: 'system', role: 'system' as const, channel: 'system' as const };
    expect(
      (
        await subscribePush({
          deps,
          actor: system,
          input: { endpoint: 'https://p.example/s', p256dh: 'k', auth: 'a' },
        })
      ).ok,
    ).toBe(false);
  });
});

describe('the push sender', () => {
  /** A transport whose sends stay open until the test settles them. */
  function gatedTransport() {
    const open: { endpoint: string; settle(o: PushOutcome): void }[] = [];
    const transport: PushTransport = {
      send: (s) => new Promise((resolve) => open.push({ endpoint: s.endpoint, settle: resolve })),
    };
    return { transport, open };
  }

  it('returns at once, keeps at most `concurrency` sends in flight, and drops past the queue bound', async () => {
    const store = createMemoryPushSubscriptions();
    for (const name of ['a', 'b', 'c', 'd', 'e'])
      await store.save({ ...sub(name, 'owner'), id: name });
    const { transport, open } = gatedTransport();
    const log = createRecordingLogger();
    const sender = createPushSender(
      {
        subscriptions: store,
        transport,
        roleOf: () => 'owner',
        clock: createFixedClock(T0),
        log,
        ...vetting,
      },
      { concurrency: 2, maxQueued: 3 },
    );
    sender.notify(approval);
    await expect.poll(() => open.length).toBe(2);
    // Five sends wanted: two in flight, c and d queued, e found no room.
    const full = () => log.lines.filter((l) => l.message.includes('queue full')).length;
    expect(full()).toBe(1);
    // More events: one fan-out fits (the queue holds three), the next is dropped at once.
    sender.notify(approval);
    expect(full()).toBe(1);
    sender.notify(approval);
    expect(full()).toBe(2);
    let sent = 0;
    let settled = false;
    void sender.idle().then(() => (settled = true));
    while (!settled) {
      expect(open.length).toBeLessThanOrEqual(2);
      const next = open.shift();
      if (next) {
        next.settle({ ok: true });
        sent++;
      }
      await new Promise((r) => setTimeout(r, 1));
    }
    // Four of the first event, and at most five of the one that fitted.
    expect(sent).toBeGreaterThanOrEqual(4);
    expect(sent).toBeLessThanOrEqual(9);
    expect(
      (await store.list()).filter((s) => s.lastSuccessAt === T0).length,
    ).toBeGreaterThanOrEqual(4);
  });

  it('a transport that throws is logged, not raised', async () => {
    const store = createMemoryPushSubscriptions();
    await store.save(sub('boss'));
    const log = createRecordingLogger();
    const sender = createPushSender({
      subscriptions: store,
      transport: { send: () => Promise.reject(new Error('boom')) },
      roleOf,
      clock: createFixedClock(T0),
      log,
      ...vetting,
    });
    sender.notify(approval);
    await sender.idle();
    expect(log.lines.map((l) => l.message)).toContain('push: job failed');
  });
});

describe('web push config', () => {
  const load = (env: Record<string, string>, yaml = '') =>
    loadConfig({
      env: { ...env, ...(yaml ? { SWITCHBOARD_CONFIG: 'sb.yaml' } : {}) },
      cwd: '/nowhere',
      version: 'test',
      readFile: () => yaml,
    });
  const KEYS = { publicKey: `B${'a'.repeat(86)}`, privateKey: 'p'.repeat(43) };

  it('takes both keys from the environment, or neither', () => {
    const both = load({
      SWITCHBOARD_VAPID_PUBLIC_KEY: KEYS.publicKey,
      SWITCHBOARD_VAPID_PRIVATE_KEY: KEYS.privateKey,
      SWITCHBOARD_VAPID_SUBJECT: 'mailto:ops@example.com',
    });
    expect(both.ok && both.value.webPush).toEqual({
      enabled: true,
      subject: 'mailto:ops@example.com',
      keys: KEYS,
      pushHosts: DEFAULT_PUSH_POLICY,
    });
    const one = load({ SWITCHBOARD_VAPID_PUBLIC_KEY: KEYS.publicKey });
    expect(one.ok).toBe(false);
    expect(load({ SWITCHBOARD_VAPID_SUBJECT: 'ops@example.com' }).ok).toBe(false);
    expect(
      load({ SWITCHBOARD_VAPID_PRIVATE_KEY: 'short', SWITCHBOARD_VAPID_PUBLIC_KEY: KEYS.publicKey })
        .ok,
    ).toBe(false);
  });

  it('defaults the subject to an https public URL; the file can turn push off', () => {
    const https = load({}, 'public_url: https://sb.example.com/\n');
    expect(https.ok && https.value.webPush).toEqual({
      enabled: true,
      subject: 'https://sb.example.com',
      keys: null,
      pushHosts: DEFAULT_PUSH_POLICY,
    });
    const off = load({}, 'web_push: { enabled: false, subject: "mailto:a@b.example" }\n');
    expect(off.ok && off.value.webPush).toMatchObject({
      enabled: false,
      subject: 'mailto:a@b.example',
    });
    expect(load({}, 'web_push: { subject: "http://x.example" }\n').ok).toBe(false);
  });

  it("push goes to the browsers' push services unless the file names others", () => {
    expect(DEFAULT_PUSH_POLICY).toEqual({
      allowedHosts: [
        'fcm.googleapis.com',
        'updates.push.services.mozilla.com',
        '*.notify.windows.com',
        '*.push.apple.com',
      ],
      allowPrivateAddresses: false,
    });
    const own = load(
      {},
      'web_push: { allowed_hosts: [Push.Corp.Example, "*.push.example"], allow_private_addresses: true }\n',
    );
    expect(own.ok && own.value.webPush.pushHosts).toEqual({
      allowedHosts: ['push.corp.example', '*.push.example'],
      allowPrivateAddresses: true,
    });
    for (const bad of ['"http://x.example"', '"*example"', '"a b.example"', '"*.*.example"']) {
      expect(load({}, `web_push: { allowed_hosts: [${bad}] }\n`).ok, bad).toBe(false);
    }
  });
});
