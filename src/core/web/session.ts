import type { Actor, Role } from '../actor.js';

/** How a browser signed in: a one-time link from the bot's /login, or the admin token. */
export const SIGN_IN_METHODS = ['link', 'admin_token'] as const;
export type SignInMethod = (typeof SIGN_IN_METHODS)[number];

export interface WebSession {
  /** SHA-256 (hex) of the cookie's secret. */
  readonly idHash: string;
  readonly userName: string;
  readonly method: SignInMethod;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly revokedAt: string | null;
}

/** A week: a phone's home-screen app should not ask every morning; logout ends it sooner. */
export const SESSION_TTL_S = 7 * 24 * 3600;

/** The bot's /login links live this long (issue 8: five minutes). */
export const LOGIN_LINK_TTL_S = 5 * 60;

export const ADMIN_USER = 'admin';

export const sessionExpiry = (createdAt: string): string =>
  new Date(Date.parse(createdAt) + SESSION_TTL_S * 1000).toISOString();

export const isLive = (s: WebSession, at: string): boolean =>
  s.revokedAt === null && s.expiresAt > at;

/**
 * Who a session acts as. The admin token's session is the owner; a link's user gets the role
 * the config gives them now, so removing someone from the config signs them out everywhere.
 */
export function sessionActor(s: WebSession, roleOf: (name: string) => Role | null): Actor | null {
  if (s.method === 'admin_token') return { id: ADMIN_USER, role: 'owner', channel: 'pwa' };
  const role = roleOf(s.userName);
  if (role === null || role === 'runner' || role === 'system') return null;
  return { id: s.userName, role, channel: 'pwa' };
}
