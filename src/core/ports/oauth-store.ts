/** A client from dynamic registration (RFC 7591). Public clients have no secret (PKCE only). */
export interface OAuthClient {
  readonly clientId: string;
  readonly name: string;
  readonly redirectUris: readonly string[];
  /** SHA-256 hex of the client secret, or null for a public client. */
  readonly secretHash: string | null;
  /** The registration as the client sent it (validated), echoed back on registration. */
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly lastUsedAt: string | null;
  /** The address bucket that registered it (addressBucket), null when unknown. */
  readonly source: string | null;
}

/** expired: nobody decided in time (the sweep marks it, so its cards can say so). */
export const GRANT_STATUSES = ['pending', 'allowed', 'denied', 'expired', 'used'] as const;
export type GrantStatus = (typeof GRANT_STATUSES)[number];

/** An authorization request waiting for the owner's consent, then the code it was granted. */
export interface OAuthGrant {
  readonly id: string;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly codeChallenge: string;
  readonly state: string | null;
  readonly scope: string;
  /** The protected resource (audience) the tokens will be for. */
  readonly resource: string;
  /** SHA-256 hex of the secret cookie of the browser that asked: only it may take the code. */
  readonly browserHash: string;
  readonly status: GrantStatus;
  /** The owner who allowed it: the person the tokens act for. */
  readonly subject: string | null;
  readonly codeHash: string | null;
  readonly createdAt: string;
  /** While pending: when the consent request lapses; once a code is issued: when the code does. */
  readonly expiresAt: string;
  readonly decidedAt: string | null;
  /** The address bucket of the browser that asked, null when unknown. */
  readonly source: string | null;
}

export type OAuthTokenKind = 'access' | 'refresh';

export interface OAuthToken {
  readonly tokenHash: string;
  readonly kind: OAuthTokenKind;
  readonly clientId: string;
  readonly subject: string;
  readonly scope: string;
  readonly resource: string;
  /** Every token descending from one consent; reuse of a spent refresh token revokes them all. */
  readonly familyId: string;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly usedAt: string | null;
  readonly revokedAt: string | null;
}

/** Storage of the OAuth authorization server. Secrets arrive hashed: hashing is the edge's job. */
export interface OAuthStore {
  registerClient(client: OAuthClient): Promise<void>;
  /** The client, unless it expired or was revoked. */
  getClient(clientId: string, now: string): Promise<OAuthClient | null>;
  /** Registrations from this address bucket since `since` (the flood limit). */
  countClientsSince(since: string, source: string | null): Promise<number>;
  /** A client in use lives on: tokens issued or refreshed push its expiry out. */
  keepClient(clientId: string, usedAt: string, expiresAt: string): Promise<void>;

  createGrant(grant: OAuthGrant): Promise<void>;
  getGrant(id: string): Promise<OAuthGrant | null>;
  /**
   * Pending consent requests not yet lapsed, of this client and of this address bucket: each
   * is a card in the owner's Telegram, so each sender gets only a few at a time.
   */
  countPendingGrants(
    now: string,
    of: { readonly clientId: string; readonly source: string | null },
  ): Promise<{ readonly client: number; readonly source: number }>;
  /** pending → expired for every request that lapsed by `now`; the grants it changed. */
  expireGrants(now: string): Promise<readonly OAuthGrant[]>;
  /** pending → allowed/denied, only while pending and not lapsed; null when it changed nothing. */
  decideGrant(
    id: string,
    decision: 'allowed' | 'denied',
    subject: string,
    at: string,
  ): Promise<OAuthGrant | null>;
  /** Attaches the code to an allowed grant that has none yet; false otherwise. */
  issueCode(id: string, codeHash: string, codeExpiresAt: string, now: string): Promise<boolean>;
  /**
   * Spends a code: the grant it belongs to, with `firstUse` false when it was spent before
   * (the caller then revokes what the first use issued). Null for an unknown code.
   */
  redeemCode(
    codeHash: string,
    at: string,
  ): Promise<{ grant: OAuthGrant; firstUse: boolean } | null>;

  saveTokens(tokens: readonly OAuthToken[]): Promise<void>;
  findToken(tokenHash: string): Promise<OAuthToken | null>;
  /** Marks a refresh token spent; 'reused' when it already was, 'unknown' when there is none. */
  spendRefreshToken(tokenHash: string, at: string): Promise<'spent' | 'reused' | 'unknown'>;
  revokeFamily(familyId: string, at: string): Promise<void>;
  /** Deletes lapsed grants (a pending one waits for expireGrants), expired tokens and clients. */
  prune(now: string): Promise<void>;
}
