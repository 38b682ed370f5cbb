import type { OAuthClient, OAuthGrant, OAuthStore, OAuthToken } from '../ports/oauth-store.js';

/** The OAuth store in memory, for unit tests; each method is atomic like its SQL statement. */
export function createMemoryOAuthStore(): OAuthStore {
  const clients = new Map<string, OAuthClient & { revokedAt: string | null }>();
  const grants = new Map<string, OAuthGrant & { usedAt: string | null }>();
  const tokens = new Map<string, OAuthToken>();
  return {
    async registerClient(client) {
      clients.set(client.clientId, { ...client, revokedAt: null });
    },
    async getClient(clientId, now) {
      const c = clients.get(clientId);
      if (!c || c.revokedAt !== null || c.expiresAt <= now) return null;
      const { revokedAt: _, ...client } = c;
      return client;
    },
    async countClientsSince(since, source) {
      return [...clients.values()].filter((c) => c.createdAt >= since && c.source === source)
        .length;
    },
    async keepClient(clientId, usedAt, expiresAt) {
      const c = clients.get(clientId);
      if (c) clients.set(clientId, { ...c, lastUsedAt: usedAt, expiresAt });
    },
    async createGrant(grant) {
      grants.set(grant.id, { ...grant, usedAt: null });
    },
    async getGrant(id) {
      const g = grants.get(id);
      if (!g) return null;
      const { usedAt: _, ...grant } = g;
      return grant;
    },
    async countPendingGrants(now, of) {
      const live = [...grants.values()].filter((g) => g.status === 'pending' && g.expiresAt > now);
      return {
        client: live.filter((g) => g.clientId === of.clientId).length,
        source: live.filter((g) => g.source === of.source).length,
      };
    },
    async expireGrants(now) {
      const lapsed = [...grants.values()].filter(
        (g) => g.status === 'pending' && g.expiresAt <= now,
      );
      return lapsed.map((g) => {
        const next = { ...g, status: 'expired' as const };
        grants.set(g.id, next);
        const { usedAt: _, ...grant } = next;
        return grant;
      });
    },
    async decideGrant(id, decision, subject, at) {
      const g = grants.get(id);
      if (!g || g.status !== 'pending' || g.expiresAt <= at) return null;
      const next = { ...g, status: decision, subject, decidedAt: at };
      grants.set(id, next);
      const { usedAt: _, ...grant } = next;
      return grant;
    },
    async issueCode(id, codeHash, codeExpiresAt, now) {
      const g = grants.get(id);
      if (!g || g.status !== 'allowed' || g.codeHash !== null || g.expiresAt <= now) return false;
      grants.set(id, { ...g, codeHash, expiresAt: codeExpiresAt });
      return true;
    },
    async redeemCode(codeHash, at) {
      const g = [...grants.values()].find((x) => x.codeHash === codeHash);
      if (!g) return null;
      const { usedAt: _, ...grant } = g;
      if (g.status !== 'allowed') return { grant, firstUse: false };
      grants.set(g.id, { ...g, status: 'used', usedAt: at });
      return { grant: { ...grant, status: 'used' }, firstUse: true };
    },
    async saveTokens(list) {
      for (const t of list) tokens.set(t.tokenHash, t);
    },
    async findToken(tokenHash) {
      return tokens.get(tokenHash) ?? null;
    },
    async spendRefreshToken(tokenHash, at) {
      const t = tokens.get(tokenHash);
      if (!t || t.kind !== 'refresh') return 'unknown';
      if (t.usedAt !== null) return 'reused';
      tokens.set(tokenHash, { ...t, usedAt: at });
      return 'spent';
    },
    async revokeFamily(familyId, at) {
      for (const t of tokens.values()) {
        if (t.familyId === familyId && t.revokedAt === null) {
          tokens.set(t.tokenHash, { ...t, revokedAt: at });
        }
      }
    },
    async prune(now) {
      for (const [id, g] of grants) {
        if (g.expiresAt < now && g.status !== 'pending') grants.delete(id);
      }
      for (const [h, t] of tokens) if (t.expiresAt < now) tokens.delete(h);
      for (const [id, c] of clients) if (c.expiresAt < now) clients.delete(id);
    },
  };
}
