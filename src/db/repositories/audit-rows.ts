import { sql, type SQL } from 'drizzle-orm';
import type { AuditEvent } from '../../core/audit.js';
import type { Database } from '../client.js';
import { auditLog, tasks } from '../schema.js';

/** True only inside the batch whose task write carried `changeId`: ties dependent writes to it. */
export const changed = (taskId: string, changeId: string): SQL =>
  sql`exists (select 1 from ${tasks} where ${tasks.id} = ${taskId} and ${tasks.changeId} = ${changeId})`;

/** Inserts an audit entry only if `guard` holds, so a refused change leaves no trace. */
export function guardedAudit(db: Database, e: AuditEvent, guard: SQL) {
  return db
    .insert(auditLog)
    .select(
      sql`select ${e.id}, ${e.at}, ${e.actor}, ${e.channel}, ${e.action}, ${e.subject}, ${JSON.stringify(e.detail)} where ${guard}`,
    );
}
