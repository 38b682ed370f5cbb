import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { SESSION_TTL_S } from '../../core/web/session.js';

/**
 * Over HTTPS the cookie is `__Host-` prefixed and Secure (no Domain, Path=/, so no subdomain
 * can plant or read it). Over plain HTTP (the default loopback listener, tests) a browser
 * would drop a Secure cookie, so it is neither; HttpOnly and SameSite=Strict always hold.
 */
const SECURE_NAME = '__Host-switchboard_session';
const PLAIN_NAME = 'switchboard_session';

/** HTTPS when the request came over it, or when the public URL (a TLS proxy in front) is https. */
export function isSecure(c: Context, publicUrl: string | null): boolean {
  if (new URL(c.req.url).protocol === 'https:') return true;
  return publicUrl?.startsWith('https:') === true;
}

export function readSessionCookie(c: Context): string | undefined {
  return getCookie(c, SECURE_NAME) ?? getCookie(c, PLAIN_NAME);
}

export function writeSessionCookie(c: Context, secret: string, secure: boolean): void {
  setCookie(c, secure ? SECURE_NAME : PLAIN_NAME, secret, {
    httpOnly: true,
    secure,
    sameSite: 'Strict',
    path: '/',
    maxAge: SESSION_TTL_S,
  });
}

export function clearSessionCookie(c: Context, secure: boolean): void {
  deleteCookie(c, secure ? SECURE_NAME : PLAIN_NAME, { path: '/', secure, httpOnly: true });
}
