import { describe, expect, it } from 'vitest';
import { freshBreaker } from '../../src/core/breaker.js';
import { createFixedClock } from '../../src/core/fakes/fixed-clock.js';
import { createMemoryChatStores } from '../../src/core/fakes/memory-chat-stores.js';
import { createMemoryStores } from '../../src/core/fakes/memory-stores.js';
import { createMemoryWebSessions } from '../../src/core/fakes/memory-web-sessions.js';
import { createSequentialIds } from '../../src/core/fakes/sequential-ids.js';
import { dailySeries } from '../../src/core/use-cases/spend-history.js';
import { signIn, signOut } from '../../src/core/use-cases/web-sign-in.js';
import {
  isLive,
  sessionActor,
  sessionExpiry,
  type WebSession,
} from '../../src/core/web/session.js';
import { createEventFeed } from '../../src/gateway/event-feed.js';
import { isSafeMethod, ourOrigins, sameOrigin, tokenMatches } from '../../src/gateway/web/csrf.js';
import {
  csrfTokenOf,
  newSessionSecret,
  sessionHashOf,
} from '../../src/gateway/web/session-secret.js';
import { LOGIN_LINK_TTL_MIN } from '../../src/bot/login-link.js';
import { aTask } from '../helpers/builders.js';

const T0 = '2026-03-01T10:00:00.000Z';

const session = (over: Partial<WebSession> = {}): WebSession => ({
  idHash: 'h1',
  userName: 'ops',
  method: 'link',
  createdAt: T0,
  expiresAt: sessionExpiry(T0),
  revokedAt: null,
  ...over,
});

describe('web sessions (pure)', () => {
  it('last a week, end when revoked', () => {
    expect(sessionExpiry(T0)).toBe('2026-03-08T10:00:00.000Z');
    expect(isLive(session(), '2026-03-08T09:59:59.999Z')).toBe(true);
    expect(isLive(session(), '2026-03-08T10:00:00.000Z')).toBe(false);
    expect(isLive(session({ revokedAt: T0 }), T0)).toBe(false);
  });

  it('act as the role the config gives now; the admin token is the owner', () => {
    const roles = { ops: 'approver', bot: 'runner' } as const;
    const roleOf = (n: string) => roles[n as keyof typeof roles] ?? null;
    expect(sessionActor(session(), roleOf)).toEqual({
      id: 'ops',
      role: 'approver',
      channel: 'pwa',
    });
    expect(sessionActor(session({ userName: 'gone' }), roleOf)).toBeNull();
    expect(sessionActor(session({ userName: 'bot' }), roleOf)).toBeNull();
    expect(sessionActor(session({ method: 'admin_token', userName: 'admin' }), () => null)).toEqual(
      {
        id: 'admin',
        role: 'owner',
        channel: 'pwa',
      },
    );
  });

  it('/login links last five minutes', () => {
    expect(LOGIN_LINK_TTL_MIN).toBe(5);
  });
});

describe('sign-in use case', () => {
  const setup = () => {
    const clock = createFixedClock(T0);
    const chat = createMemoryChatStores();
    const stores = createMemoryStores();
    const sessions = createMemoryWebSessions();
    const deps = {
      clock,
      ids: createSequentialIds('a'),
      audit: stores.audit,
      logins: chat.logins,
      sessions,
      roleOf: (n: string) => (n === 'ops' ? ('owner' as const) : null),
    };
    const link = (hash: string, user = 'ops', minutes = 5) =>
      chat.logins.create({
        tokenHash: hash,
        userName: user,
        createdAt: T0,
        expiresAt: new Date(Date.parse(T0) + minutes * 60_000).toISOString(),
      });
    return { deps, clock, sessions, stores, link };
  };

  it('spends a link once and stores the session by its hash, audited', async () => {
    const { deps, sessions, stores, link } = setup();
    await link('L1');
    const first = await signIn({
      deps,
      input: { method: 'link', linkHash: 'L1' },
      sessionHash: 'S1',
    });
    expect(first).toMatchObject({
      ok: true,
      value: { idHash: 'S1', userName: 'ops', method: 'link' },
    });
    expect(await sessions.find('S1', T0)).not.toBeNull();
    const again = await signIn({
      deps,
      input: { method: 'link', linkHash: 'L1' },
      sessionHash: 'S2',
    });
    expect(again).toEqual({ ok: false, error: { code: 'link_invalid' } });
    expect(await sessions.find('S2', T0)).toBeNull();
    const audit = await stores.audit.listBySubject('user:ops', 10);
    expect(audit.map((a) => [a.action, a.channel])).toEqual([['session.opened', 'pwa']]);
  });

  it('refuses an expired or unknown link and a user who left the config', async () => {
    const { deps, clock, link } = setup();
    await link('late');
    clock.advance(5 * 60_000);
    for (const linkHash of ['late', 'nope']) {
      const r = await signIn({ deps, input: { method: 'link', linkHash }, sessionHash: linkHash });
      expect(r).toEqual({ ok: false, error: { code: 'link_invalid' } });
    }
  });

  it('refuses a user no longer in the config, even with a good link', async () => {
    const { deps, link } = setup();
    await link('left', 'mallory');
    const r = await signIn({ deps, input: { method: 'link', linkHash: 'left' }, sessionHash: 'S' });
    expect(r).toEqual({ ok: false, error: { code: 'not_a_member', userName: 'mallory' } });
  });

  it('signs out at once; a second sign-out changes nothing', async () => {
    const { deps, sessions } = setup();
    const r = await signIn({ deps, input: { method: 'admin_token' }, sessionHash: 'S' });
    if (!r.ok) throw new Error('no session');
    await signOut({ deps, session: r.value });
    await signOut({ deps, session: r.value });
    expect(await sessions.find('S', T0)).toBeNull();
  });
});

describe('CSRF checks', () => {
  const ours = ourOrigins('http://127.0.0.1:8787/api/tasks', 'https://sb.example.com');

  it('knows our origins: the one reached and the public one', () => {
    expect(ours).toEqual(['http://127.0.0.1:8787', 'https://sb.example.com']);
    expect(ourOrigins('http://localhost/x', null)).toEqual(['http://localhost']);
  });

  it.each([
    [{ origin: 'https://sb.example.com' }, true],
    [{ origin: 'http://127.0.0.1:8787', secFetchSite: 'same-origin' }, true],
    [{ secFetchSite: 'same-origin' }, true],
    [{ origin: 'https://evil.example' }, false],
    [{ origin: 'https://sb.example.com', secFetchSite: 'cross-site' }, false],
    [{ origin: 'https://sb.example.com', secFetchSite: 'same-site' }, false],
    [{ origin: 'null' }, false],
    [{}, false],
  ])('%j from us: %s', (headers, expected) => {
    expect(sameOrigin(headers, ours)).toBe(expected);
  });

  it('needs no proof for safe methods only', () => {
    expect(['GET', 'HEAD', 'OPTIONS', 'get'].every(isSafeMethod)).toBe(true);
    expect(['POST', 'PUT', 'PATCH', 'DELETE'].some(isSafeMethod)).toBe(false);
  });

  it('derives a CSRF token from the secret that matches only itself', async () => {
    const a = newSessionSecret();
    const b = newSessionSecret();
    expect(a).toMatch(/^[\w-]{43}$/);
    expect(a).not.toBe(b);
    const token = await csrfTokenOf(a);
    expect(token).toMatch(/^[0-9a-f]{64}$/);
    expect(token).not.toBe(await sessionHashOf(a));
    expect(tokenMatches(token, await csrfTokenOf(a))).toBe(true);
    expect(tokenMatches(await csrfTokenOf(b), token)).toBe(false);
    expect(tokenMatches(undefined, token)).toBe(false);
    expect(tokenMatches(token.slice(1), token)).toBe(false);
  });
});

describe('event feed (SSE resume)', () => {
  const changed = (id: string) => ({
    type: 'task.changed' as const,
    task: aTask({ id }),
    from: null,
  });

  it('replays what came after an id of this process, and nothing else', () => {
    const feed = createEventFeed('boot', 3);
    const seen: string[] = [];
    const stop = feed.subscribe((e) => seen.push(e.id));
    expect(feed.head()).toBe('boot-0');
    for (const id of ['t1', 't2', 't3', 't4']) feed.publish(changed(id));
    stop();
    feed.publish(changed('t5'));
    expect(seen).toEqual(['boot-1', 'boot-2', 'boot-3', 'boot-4']);
    expect(feed.since('boot-3')?.map((e) => e.id)).toEqual(['boot-4', 'boot-5']);
    expect(feed.since('boot-5')).toEqual([]);
    // boot-3 is the oldest kept: after boot-2 everything is there, after boot-1 it is not.
    expect(feed.since('boot-2')?.map((e) => e.id)).toEqual(['boot-3', 'boot-4', 'boot-5']);
    expect(feed.since('boot-1')).toBeNull();
    expect(feed.since('other-3')).toBeNull();
    expect(feed.since('boot-9')).toBeNull();
    expect(feed.since('garbage')).toBeNull();
  });

  it('carries breaker alerts in wire casing', () => {
    const feed = createEventFeed('b');
    const breaker = {
      ...freshBreaker('day', '2026-03-01', 20, T0),
      spentUsd: 21,
      state: 'open' as const,
    };
    feed.publish({ type: 'breaker.alert', breaker, task: null });
    expect(feed.since('b-0')).toEqual([
      {
        id: 'b-1',
        type: 'breaker.alert',
        data: {
          breaker: expect.objectContaining({
            scope: 'day',
            state: 'open',
            spent_usd: 21,
            threshold_usd: 20,
          }),
          task_id: null,
        },
      },
    ]);
  });
});

describe('daily spend series', () => {
  it('fills the days nobody spent in and ignores other scopes', () => {
    const day = (period: string, spentUsd: number, overriddenBy: string | null = null) => ({
      ...freshBreaker('day', period, 20, T0),
      spentUsd,
      overriddenBy,
    });
    const series = dailySeries(
      [
        day('2026-02-27', 3),
        day('2026-03-01', 25, 'ops'),
        { ...freshBreaker('month', '2026-03', 80, T0), spentUsd: 50 },
      ],
      '2026-03-01',
      4,
    );
    expect(series).toEqual([
      { day: '2026-02-26', spentUsd: 0, overridden: false },
      { day: '2026-02-27', spentUsd: 3, overridden: false },
      { day: '2026-02-28', spentUsd: 0, overridden: false },
      { day: '2026-03-01', spentUsd: 25, overridden: true },
    ]);
  });
});
