import { and, eq, gt, isNotNull, isNull, lt, or } from 'drizzle-orm';
import type { WebSessions } from '../../core/ports/web-sessions.js';
import type { SignInMethod, WebSession } from '../../core/web/session.js';
import type { Database } from '../client.js';
import { webSessions } from '../schema.js';

const toSession = (r: typeof webSessions.$inferSelect): WebSession => ({
  ...r,
  method: r.method as SignInMethod,
});

/** Web app sessions in libSQL; each method is one statement. */
export function createWebSessionStore(db: Database): WebSessions {
  return {
    async create(session) {
      await db.insert(webSessions).values(session);
    },
    async find(idHash, at) {
      const [row] = await db
        .select()
        .from(webSessions)
        .where(
          and(
            eq(webSessions.idHash, idHash),
            isNull(webSessions.revokedAt),
            gt(webSessions.expiresAt, at),
          ),
        );
      return row ? toSession(row) : null;
    },
    async revoke(idHash, at) {
      await db
        .update(webSessions)
        .set({ revokedAt: at })
        .where(and(eq(webSessions.idHash, idHash), isNull(webSessions.revokedAt)));
    },
    async prune(before) {
      await db
        .delete(webSessions)
        .where(
          or(
            lt(webSessions.expiresAt, before),
            and(isNotNull(webSessions.revokedAt), lt(webSessions.revokedAt, before)),
          ),
        );
    },
  };
}
