import type { WebSession } from '../web/session.js';

/**
 * Web app sessions (the PWA's cookie). Only the SHA-256 of the cookie's secret is stored, so a
 * copy of the database signs nobody in; hashing happens at the edge.
 */
export interface WebSessions {
  create(session: WebSession): Promise<void>;
  /** The live session with this hash: not revoked and not expired at `at`; null otherwise. */
  find(idHash: string, at: string): Promise<WebSession | null>;
  /** Logout: the session stops working at once (idempotent). */
  revoke(idHash: string, at: string): Promise<void>;
  /** Drops sessions that ended before `before` (expired or revoked). */
  prune(before: string): Promise<void>;
}
