import { sql } from 'drizzle-orm';
import type { AuditEvent } from '../../core/audit.js';
import type { Database } from '../client.js';
import { auditLog, tasks } from '../schema.js';
import { compile } from './prepared.js';

const p = sql.placeholder;

/** True only inside the batch whose task write carried `changeId`: ties dependent writes to it. */
export const changedGuard = sql`exists (select 1 from ${tasks} where ${tasks.id} = ${p('taskId')} and ${tasks.changeId} = ${p('changeId')})`;

/** An audit entry written only if the task change it belongs to happened. */
export const compileGuardedAudit = (db: Database) =>
  compile<
    'id' | 'at' | 'actor' | 'channel' | 'action' | 'subject' | 'detail' | 'taskId' | 'changeId'
  >(
    db
      .insert(auditLog)
      .select(
        sql`select ${p('id')}, ${p('at')}, ${p('actor')}, ${p('channel')}, ${p('action')}, ${p('subject')}, ${p('detail')} where ${changedGuard}`,
      ),
  );

export const auditValues = (e: AuditEvent) => ({
  id: e.id,
  at: e.at,
  actor: e.actor,
  channel: e.channel,
  action: e.action,
  subject: e.subject,
  detail: JSON.stringify(e.detail),
});
