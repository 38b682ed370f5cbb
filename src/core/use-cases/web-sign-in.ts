import type { Role } from '../actor.js';
import type { CoreDeps } from '../deps.js';
import type { LoginLinks } from '../ports/login-links.js';
import type { WebSessions } from '../ports/web-sessions.js';
import { err, ok, type Result } from '../result.js';
import { ADMIN_USER, sessionExpiry, type SignInMethod, type WebSession } from '../web/session.js';
import { auditEntry } from './support.js';

type Deps = Pick<CoreDeps, 'clock' | 'ids' | 'audit'> & {
  readonly logins: LoginLinks;
  readonly sessions: WebSessions;
  roleOf(name: string): Role | null;
};

export type SignInError =
  /** Unknown, used or expired: one answer, so a guesser learns nothing about which. */
  | { readonly code: 'link_invalid' }
  /** The link was good, but its user is no longer in the config. */
  | { readonly code: 'not_a_member'; readonly userName: string };

export type SignInInput =
  | { readonly method: Extract<SignInMethod, 'link'>; readonly linkHash: string }
  /** The edge has already compared the admin token (constant time). */
  | { readonly method: Extract<SignInMethod, 'admin_token'> };

/**
 * Opens a web session for a browser: the link is spent in one statement (two tabs cannot both
 * use it), then a session keyed by the hash of a secret the edge made is stored and audited.
 */
export async function signIn({
  deps,
  input,
  sessionHash,
}: {
  readonly deps: Deps;
  readonly input: SignInInput;
  readonly sessionHash: string;
}): Promise<Result<WebSession, SignInError>> {
  const at = deps.clock.now().toISOString();
  let userName = ADMIN_USER;
  if (input.method === 'link') {
    const user = await deps.logins.consume(input.linkHash, at);
    if (user === null) return err({ code: 'link_invalid' });
    const role = deps.roleOf(user);
    if (role === null || role === 'runner' || role === 'system') {
      return err({ code: 'not_a_member', userName: user });
    }
    userName = user;
  }
  const session: WebSession = {
    idHash: sessionHash,
    userName,
    method: input.method,
    createdAt: at,
    expiresAt: sessionExpiry(at),
    revokedAt: null,
  };
  await deps.sessions.create(session);
  await deps.audit.append(
    auditEntry(
      deps,
      { id: userName, role: 'owner', channel: 'pwa' },
      at,
      'session.opened',
      `user:${userName}`,
      { method: input.method },
    ),
  );
  return ok(session);
}

/** Logout: the session ends at once; a second logout changes nothing. */
export async function signOut({
  deps,
  session,
}: {
  readonly deps: Pick<Deps, 'clock' | 'ids' | 'audit' | 'sessions'>;
  readonly session: WebSession;
}): Promise<void> {
  const at = deps.clock.now().toISOString();
  await deps.sessions.revoke(session.idHash, at);
  await deps.audit.append(
    auditEntry(
      deps,
      { id: session.userName, role: 'owner', channel: 'pwa' },
      at,
      'session.closed',
      `user:${session.userName}`,
    ),
  );
}
