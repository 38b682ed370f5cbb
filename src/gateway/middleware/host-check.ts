import { createMiddleware } from 'hono/factory';
import { errorBody } from '../http-errors.js';

const IP_LITERAL = /^(?:\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-f:.]+\])$/i;

/**
 * DNS rebinding: a hostile name that resolves to this machine reaches us with its own name in
 * Host. Only IP literals, localhost and the names we are configured with are served.
 */
export function hostAllowed(host: string | undefined, names: readonly string[]) {
  if (!host) return false;
  const name = host.replace(/:\d+$/, '').toLowerCase();
  return IP_LITERAL.test(name) || name === 'localhost' || names.includes(name);
}

/** The names a Host header may carry: the public URL's and the listen address's. */
export function servedNames(publicUrl: string | null, listenHost: string | null): string[] {
  return [
    ...(publicUrl ? [new URL(publicUrl).hostname.toLowerCase()] : []),
    ...(listenHost ? [listenHost.toLowerCase()] : []),
  ];
}

/** Refuses a request whose Host is not ours, before any auth (MCP and OAuth endpoints). */
export const hostCheck = (names: readonly string[]) =>
  createMiddleware(async (c, next) => {
    if (!hostAllowed(c.req.header('host'), names)) {
      return c.json(errorBody('forbidden_host', 'This host name may not use this endpoint.'), 403);
    }
    await next();
  });
