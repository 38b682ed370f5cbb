import { asc, eq } from 'drizzle-orm';
import type { AuditLog } from '../../core/ports/audit-log.js';
import type { Database } from '../client.js';
import { auditLog } from '../schema.js';
import { toAuditEvent } from './row-mappers.js';

export function createAuditLog(db: Database): AuditLog {
  return {
    async append(event) {
      await db.insert(auditLog).values({ ...event, detail: { ...event.detail } });
    },
    async listBySubject(subject, limit) {
      const rows = await db
        .select()
        .from(auditLog)
        .where(eq(auditLog.subject, subject))
        .orderBy(asc(auditLog.at), asc(auditLog.id))
        .limit(limit);
      return rows.map(toAuditEvent);
    },
  };
}
