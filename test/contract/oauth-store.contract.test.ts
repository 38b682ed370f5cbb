import { describe, expect, it } from 'vitest';
import { createMemoryOAuthStore } from '../../src/core/fakes/memory-oauth-store.js';
import type { OAuthGrant, OAuthStore, OAuthToken } from '../../src/core/ports/oauth-store.js';
import { createOAuthStore } from '../../src/db/repositories/oauth-store.js';
import { createTempDb } from '../helpers/temp-db.js';

const T0 = '2026-12-03T12:00:00.000Z';
const at = (minutes: number) => new Date(Date.parse(T0) + minutes * 60_000).toISOString();

const IMPLEMENTATIONS: ReadonlyArray<
  readonly [string, () => Promise<{ store: OAuthStore; dispose(): void }>]
> = [
  ['memory', async () => ({ store: createMemoryOAuthStore(), dispose: () => {} })],
  [
    'libsql file',
    async () => {
      const db = await createTempDb('libsql-client');
      return { store: createOAuthStore(db.db), dispose: () => db.dispose() };
    },
  ],
];

const client = {
  clientId: 'c1',
  name: 'Claude',
  redirectUris: ['https://claude.ai/api/mcp/auth_callback'],
  secretHash: null,
  metadata: { client_name: 'Claude' },
  createdAt: T0,
  expiresAt: at(60),
  lastUsedAt: null,
  source: '203.0.113.7',
};

const grant = (
  id: string,
  expiresAt = at(10),
  over: Partial<Pick<OAuthGrant, 'clientId' | 'source'>> = {},
): OAuthGrant => ({
  id,
  clientId: 'c1',
  redirectUri: client.redirectUris[0]!,
  codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
  state: null,
  scope: 'mcp',
  resource: 'https://sb.example/mcp',
  browserHash: 'b',
  status: 'pending',
  subject: null,
  codeHash: null,
  createdAt: T0,
  expiresAt,
  decidedAt: null,
  source: '203.0.113.7',
  ...over,
});

const token = (hash: string, kind: 'access' | 'refresh', family: string): OAuthToken => ({
  tokenHash: hash,
  kind,
  clientId: 'c1',
  subject: 'ops',
  scope: 'mcp',
  resource: 'https://sb.example/mcp',
  familyId: family,
  createdAt: T0,
  expiresAt: at(60),
  usedAt: null,
  revokedAt: null,
});

describe.each(IMPLEMENTATIONS)('OAuthStore contract: %s', (_name, make) => {
  const use = async (fn: (store: OAuthStore) => Promise<void>) => {
    const { store, dispose } = await make();
    try {
      await fn(store);
    } finally {
      dispose();
    }
  };

  it('serves a client until it expires, counts registrations, and keeps a used one longer', () =>
    use(async (s) => {
      await s.registerClient(client);
      expect((await s.getClient('c1', at(59)))?.name).toBe('Claude');
      expect(await s.getClient('c1', at(60))).toBeNull();
      expect(await s.countClientsSince(T0, '203.0.113.7')).toBe(1);
      expect(await s.countClientsSince(T0, '198.51.100.1')).toBe(0);
      expect(await s.countClientsSince(at(1), '203.0.113.7')).toBe(0);
      await s.keepClient('c1', at(5), at(600));
      expect((await s.getClient('c1', at(300)))?.lastUsedAt).toBe(at(5));
    }));

  it('decides a grant once, only while it is pending and not lapsed', () =>
    use(async (s) => {
      await s.createGrant(grant('g1'));
      await s.createGrant(grant('g2', at(1)));
      const of = { clientId: 'c1', source: '203.0.113.7' };
      expect(await s.countPendingGrants(T0, of)).toEqual({ client: 2, source: 2 });
      expect((await s.decideGrant('g1', 'allowed', 'ops', at(2)))?.status).toBe('allowed');
      expect(await s.decideGrant('g1', 'denied', 'ops', at(3))).toBeNull();
      expect(await s.decideGrant('g2', 'allowed', 'ops', at(1))).toBeNull(); // lapsed
      expect(await s.countPendingGrants(at(2), of)).toEqual({ client: 0, source: 0 });
      expect((await s.getGrant('g1'))?.subject).toBe('ops');
    }));

  it('counts pending requests per client and per address bucket, never across them', () =>
    use(async (s) => {
      await s.createGrant(grant('a1', at(10), { clientId: 'c1', source: '192.0.2.1' }));
      await s.createGrant(grant('a2', at(10), { clientId: 'c1', source: '192.0.2.2' }));
      await s.createGrant(grant('b1', at(10), { clientId: 'c2', source: '192.0.2.1' }));
      await s.createGrant(grant('n1', at(10), { clientId: 'c3', source: null }));
      await s.decideGrant('a2', 'denied', 'ops', at(1));
      expect(await s.countPendingGrants(at(2), { clientId: 'c1', source: '192.0.2.1' })).toEqual({
        client: 1,
        source: 2,
      });
      expect(await s.countPendingGrants(at(2), { clientId: 'c9', source: '192.0.2.9' })).toEqual({
        client: 0,
        source: 0,
      });
      expect(await s.countPendingGrants(at(2), { clientId: 'c9', source: null })).toEqual({
        client: 0,
        source: 1,
      });
    }));

  it('expires lapsed pending requests once, and prune keeps them until then', () =>
    use(async (s) => {
      await s.createGrant(grant('g1', at(5)));
      await s.createGrant(grant('g2', at(20)));
      await s.createGrant(grant('g3', at(5)));
      await s.decideGrant('g3', 'allowed', 'ops', at(1));
      await s.prune(at(6));
      expect((await s.getGrant('g1'))?.status).toBe('pending');
      expect((await s.expireGrants(at(5))).map((g) => [g.id, g.status])).toEqual([
        ['g1', 'expired'],
      ]);
      expect(await s.expireGrants(at(6))).toEqual([]);
      expect(await s.decideGrant('g1', 'allowed', 'ops', at(6))).toBeNull();
      expect((await s.getGrant('g2'))?.status).toBe('pending');
      await s.prune(at(6));
      expect(await s.getGrant('g1')).toBeNull();
    }));

  it('issues one code per allowed grant and redeems it once', () =>
    use(async (s) => {
      await s.createGrant(grant('g1'));
      expect(await s.issueCode('g1', 'code1', at(3), at(1))).toBe(false); // still pending
      await s.decideGrant('g1', 'allowed', 'ops', at(1));
      expect(await s.issueCode('g1', 'code1', at(3), at(1))).toBe(true);
      expect(await s.issueCode('g1', 'code2', at(3), at(1))).toBe(false);
      const first = await s.redeemCode('code1', at(2));
      expect(first?.firstUse).toBe(true);
      expect(first?.grant.expiresAt).toBe(at(3));
      expect((await s.redeemCode('code1', at(2)))?.firstUse).toBe(false);
      expect(await s.redeemCode('nope', at(2))).toBeNull();
    }));

  it('spends a refresh token once and revokes a family', () =>
    use(async (s) => {
      await s.saveTokens([token('a1', 'access', 'f1'), token('r1', 'refresh', 'f1')]);
      await s.saveTokens([token('a2', 'access', 'f2')]);
      expect(await s.spendRefreshToken('r1', at(1))).toBe('spent');
      expect(await s.spendRefreshToken('r1', at(2))).toBe('reused');
      expect(await s.spendRefreshToken('a1', at(2))).toBe('unknown');
      expect(await s.spendRefreshToken('zz', at(2))).toBe('unknown');
      await s.revokeFamily('f1', at(3));
      expect((await s.findToken('a1'))?.revokedAt).toBe(at(3));
      expect((await s.findToken('r1'))?.revokedAt).toBe(at(3));
      expect((await s.findToken('a2'))?.revokedAt).toBeNull();
    }));

  it('prunes what has expired and nothing else', () =>
    use(async (s) => {
      await s.registerClient(client);
      await s.createGrant(grant('g1', at(5)));
      await s.saveTokens([{ ...token('old', 'access', 'f1'), expiresAt: at(5) }]);
      await s.saveTokens([token('new', 'refresh', 'f1')]);
      await s.expireGrants(at(30));
      await s.prune(at(30));
      expect(await s.getGrant('g1')).toBeNull();
      expect(await s.findToken('old')).toBeNull();
      expect(await s.findToken('new')).not.toBeNull();
      expect(await s.getClient('c1', at(30))).not.toBeNull();
    }));
});
