import type { WebSessions } from '../ports/web-sessions.js';
import { isLive, type WebSession } from '../web/session.js';

/** In-memory web sessions for unit tests; same contract as the libSQL store. */
export function createMemoryWebSessions(): WebSessions {
  const rows = new Map<string, WebSession>();
  return {
    async create(session) {
      if (rows.has(session.idHash)) throw new Error('duplicate session');
      rows.set(session.idHash, session);
    },
    async find(idHash, at) {
      const s = rows.get(idHash);
      return s && isLive(s, at) ? s : null;
    },
    async revoke(idHash, at) {
      const s = rows.get(idHash);
      if (s && s.revokedAt === null) rows.set(idHash, { ...s, revokedAt: at });
    },
    async prune(before) {
      for (const [k, s] of rows) {
        if (s.expiresAt < before || (s.revokedAt !== null && s.revokedAt < before)) rows.delete(k);
      }
    },
  };
}
