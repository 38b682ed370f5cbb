import { hashToken } from '../../src/gateway/token-hash.js';
import type { TestApp } from './test-app.js';

/** The origin `createTestApp` serves; a state-changing request must come from it. */
export const TEST_ORIGIN = 'http://localhost';

let links = 0;

/**
 * Signs `user` in as the web app does (a one-time link traded for a session cookie) and
 * returns what a state-changing request needs: the cookie and the session's CSRF token.
 */
export async function signInAs(
  t: TestApp,
  user: string,
): Promise<{ status: number; cookie: string; csrf: string }> {
  const secret = `secret-${user}-${++links}`;
  const now = t.clock.now();
  await t.logins.create({
    tokenHash: await hashToken(secret),
    userName: user,
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + 60_000).toISOString(),
  });
  const res = await t.raw('/auth/link', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Origin: TEST_ORIGIN },
    body: JSON.stringify({ token: secret }),
  });
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const body = (await res.json()) as { csrf_token?: string };
  return { status: res.status, cookie, csrf: body.csrf_token ?? '' };
}
