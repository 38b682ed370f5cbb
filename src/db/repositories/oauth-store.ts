import { and, count, eq, gt, gte, isNull, lt, lte, ne, or, sql } from 'drizzle-orm';
import type {
  GrantStatus,
  OAuthClient,
  OAuthGrant,
  OAuthStore,
  OAuthToken,
  OAuthTokenKind,
} from '../../core/ports/oauth-store.js';
import type { Database } from '../client.js';
import { oauthClients, oauthGrants, oauthTokens } from '../schema.js';

const toClient = (r: typeof oauthClients.$inferSelect): OAuthClient => ({
  clientId: r.clientId,
  name: r.name,
  redirectUris: r.redirectUris,
  secretHash: r.secretHash,
  metadata: r.metadata as Record<string, unknown>,
  createdAt: r.createdAt,
  expiresAt: r.expiresAt,
  lastUsedAt: r.lastUsedAt,
  source: r.source,
});

const toGrant = (r: typeof oauthGrants.$inferSelect): OAuthGrant => ({
  id: r.id,
  clientId: r.clientId,
  redirectUri: r.redirectUri,
  codeChallenge: r.codeChallenge,
  state: r.state,
  scope: r.scope,
  resource: r.resource,
  browserHash: r.browserHash,
  status: r.status as GrantStatus,
  subject: r.subject,
  codeHash: r.codeHash,
  createdAt: r.createdAt,
  expiresAt: r.expiresAt,
  decidedAt: r.decidedAt,
  source: r.source,
});

const toToken = (r: typeof oauthTokens.$inferSelect): OAuthToken => ({
  ...r,
  kind: r.kind as OAuthTokenKind,
});

export function createOAuthStore(db: Database): OAuthStore {
  return {
    async registerClient(client) {
      await db.insert(oauthClients).values({ ...client, redirectUris: [...client.redirectUris] });
    },
    async getClient(clientId, now) {
      const [row] = await db
        .select()
        .from(oauthClients)
        .where(
          and(
            eq(oauthClients.clientId, clientId),
            isNull(oauthClients.revokedAt),
            gt(oauthClients.expiresAt, now),
          ),
        );
      return row ? toClient(row) : null;
    },
    async countClientsSince(since, source) {
      const [row] = await db
        .select({ n: count() })
        .from(oauthClients)
        .where(
          and(
            source === null ? isNull(oauthClients.source) : eq(oauthClients.source, source),
            gte(oauthClients.createdAt, since),
          ),
        );
      return row?.n ?? 0;
    },
    async keepClient(clientId, usedAt, expiresAt) {
      await db
        .update(oauthClients)
        .set({ lastUsedAt: usedAt, expiresAt })
        .where(eq(oauthClients.clientId, clientId));
    },

    async createGrant(grant) {
      await db.insert(oauthGrants).values(grant);
    },
    async getGrant(id) {
      const [row] = await db.select().from(oauthGrants).where(eq(oauthGrants.id, id));
      return row ? toGrant(row) : null;
    },
    async countPendingGrants(now, of) {
      const sameSource =
        of.source === null ? isNull(oauthGrants.source) : eq(oauthGrants.source, of.source);
      // Both counts in one statement, so they describe the same moment.
      const [row] = await db
        .select({
          client: sql<number>`coalesce(sum(${oauthGrants.clientId} = ${of.clientId}), 0)`,
          source: sql<number>`coalesce(sum(${sameSource}), 0)`,
        })
        .from(oauthGrants)
        .where(
          and(
            eq(oauthGrants.status, 'pending'),
            gt(oauthGrants.expiresAt, now),
            or(eq(oauthGrants.clientId, of.clientId), sameSource),
          ),
        );
      return { client: Number(row?.client ?? 0), source: Number(row?.source ?? 0) };
    },
    async expireGrants(now) {
      const rows = await db
        .update(oauthGrants)
        .set({ status: 'expired' })
        .where(and(eq(oauthGrants.status, 'pending'), lte(oauthGrants.expiresAt, now)))
        .returning();
      return rows.map(toGrant);
    },
    async decideGrant(id, decision, subject, at) {
      const [row] = await db
        .update(oauthGrants)
        .set({ status: decision, subject, decidedAt: at })
        .where(
          and(
            eq(oauthGrants.id, id),
            eq(oauthGrants.status, 'pending'),
            gt(oauthGrants.expiresAt, at),
          ),
        )
        .returning();
      return row ? toGrant(row) : null;
    },
    async issueCode(id, codeHash, codeExpiresAt, now) {
      const rows = await db
        .update(oauthGrants)
        .set({ codeHash, expiresAt: codeExpiresAt })
        .where(
          and(
            eq(oauthGrants.id, id),
            eq(oauthGrants.status, 'allowed'),
            isNull(oauthGrants.codeHash),
            // An allowed grant whose browser never came back lapses like a pending one.
            gt(oauthGrants.expiresAt, now),
          ),
        )
        .returning({ id: oauthGrants.id });
      return rows.length > 0;
    },
    async redeemCode(codeHash, at) {
      const [spent] = await db
        .update(oauthGrants)
        .set({ status: 'used', usedAt: at })
        .where(and(eq(oauthGrants.codeHash, codeHash), eq(oauthGrants.status, 'allowed')))
        .returning();
      if (spent) return { grant: toGrant(spent), firstUse: true };
      const [before] = await db
        .select()
        .from(oauthGrants)
        .where(eq(oauthGrants.codeHash, codeHash));
      return before ? { grant: toGrant(before), firstUse: false } : null;
    },

    async saveTokens(tokens) {
      if (tokens.length) await db.insert(oauthTokens).values([...tokens]);
    },
    async findToken(tokenHash) {
      const [row] = await db.select().from(oauthTokens).where(eq(oauthTokens.tokenHash, tokenHash));
      return row ? toToken(row) : null;
    },
    async spendRefreshToken(tokenHash, at) {
      const rows = await db
        .update(oauthTokens)
        .set({ usedAt: at })
        .where(
          and(
            eq(oauthTokens.tokenHash, tokenHash),
            eq(oauthTokens.kind, 'refresh'),
            isNull(oauthTokens.usedAt),
          ),
        )
        .returning({ hash: oauthTokens.tokenHash });
      if (rows.length) return 'spent';
      const [row] = await db
        .select({ kind: oauthTokens.kind })
        .from(oauthTokens)
        .where(eq(oauthTokens.tokenHash, tokenHash));
      return row?.kind === 'refresh' ? 'reused' : 'unknown';
    },
    async revokeFamily(familyId, at) {
      await db
        .update(oauthTokens)
        .set({ revokedAt: at })
        .where(and(eq(oauthTokens.familyId, familyId), isNull(oauthTokens.revokedAt)));
    },
    async prune(now) {
      // A spent refresh token stays until it expires: its reuse must still revoke the family.
      await db.batch([
        // A lapsed pending grant stays until expireGrants has marked it and its cards say so.
        db
          .delete(oauthGrants)
          .where(and(lt(oauthGrants.expiresAt, now), ne(oauthGrants.status, 'pending'))),
        db.delete(oauthTokens).where(lt(oauthTokens.expiresAt, now)),
        db.delete(oauthClients).where(lt(oauthClients.expiresAt, now)),
      ]);
    },
  };
}
