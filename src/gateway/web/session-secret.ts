import { hashToken } from '../token-hash.js';

const base64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');

/** 256 random bits for the session cookie (Web Crypto: the same on Node and Workers). */
export const newSessionSecret = (): string => base64url(crypto.getRandomValues(new Uint8Array(32)));

/** What the database keeps of a session secret. */
export const sessionHashOf = (secret: string): Promise<string> => hashToken(secret);

/**
 * The session's CSRF token, derived from the HttpOnly secret: a page of ours learns it from
 * GET /auth/session, another site can neither read it nor compute it, and nothing is stored.
 */
export const csrfTokenOf = (secret: string): Promise<string> => hashToken(`csrf:${secret}`);
