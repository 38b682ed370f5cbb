import { LOGIN_LINK_TTL_S } from '../core/web/session.js';
import type { BotDeps } from './deps.js';

export const LOGIN_LINK_TTL_MIN = LOGIN_LINK_TTL_S / 60;

const base64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');

/** SHA-256 hex of a link's secret: what is stored, and what the web app looks up. */
export async function loginTokenHash(token: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * A fresh one-time secret for /login (256 random bits, Web Crypto so it runs on Workers too);
 * only its hash is stored, and the web app consumes it once (LoginLinks.consume).
 */
export async function createLoginLink(
  deps: Pick<BotDeps, 'logins'>,
  userName: string,
  now: Date,
): Promise<string> {
  const token = base64url(crypto.getRandomValues(new Uint8Array(32)));
  await deps.logins.create({
    tokenHash: await loginTokenHash(token),
    userName,
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + LOGIN_LINK_TTL_MIN * 60_000).toISOString(),
  });
  return token;
}
