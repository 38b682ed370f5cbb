import { and, asc, eq, gt, lte, sql, type SQL } from 'drizzle-orm';
import type { AuditEvent } from '../../core/audit.js';
import type { PermissionRequest, PermissionStatus } from '../../core/permission.js';
import type { PermissionStore } from '../../core/ports/permission-store.js';
import type { Database } from '../client.js';
import { auditLog, permissionRequests } from '../schema.js';
import { auditValues } from './audit-rows.js';

type Row = typeof permissionRequests.$inferSelect;

const toRequest = (row: Row): PermissionRequest => ({
  id: row.id,
  taskId: row.taskId ?? '',
  toolName: row.toolName,
  input: (row.input ?? {}) as Record<string, unknown>,
  status: row.status as PermissionStatus,
  requester: row.requester,
  decidedBy: row.decidedBy,
  createdAt: row.createdAt,
  expiresAt: row.expiresAt,
  decidedAt: row.decidedAt,
});

/**
 * Each decision is one batch: the audit entry, written only if the row still matches the guard,
 * then the guarded UPDATE … RETURNING. Both see the same state inside the batch's transaction,
 * so the entry exists exactly when the change happened.
 */
export function createPermissionStore(db: Database): PermissionStore {
  const pending = eq(permissionRequests.status, 'pending');

  async function guarded(
    guard: SQL,
    set: Partial<Row>,
    audit: AuditEvent,
  ): Promise<PermissionRequest | null> {
    const a = auditValues(audit);
    const [, updated] = await db.batch([
      db
        .insert(auditLog)
        .select(
          sql`select ${a.id}, ${a.at}, ${a.actor}, ${a.channel}, ${a.action}, ${a.subject}, ${a.detail} where exists (select 1 from ${permissionRequests} where ${guard})`,
        ),
      db.update(permissionRequests).set(set).where(guard).returning(),
    ]);
    const [row] = updated;
    return row ? toRequest(row) : null;
  }

  return {
    async create(r, audit) {
      await db.batch([
        db.insert(permissionRequests).values({ ...r, input: { ...r.input } }),
        db.insert(auditLog).values({ ...audit, detail: { ...audit.detail } }),
      ]);
    },
    async get(id) {
      const [row] = await db
        .select()
        .from(permissionRequests)
        .where(eq(permissionRequests.id, id))
        .limit(1);
      return row ? toRequest(row) : null;
    },
    decide(d, audit) {
      const guard = and(
        eq(permissionRequests.id, d.id),
        pending,
        gt(permissionRequests.expiresAt, d.at),
      )!;
      return guarded(guard, { status: d.status, decidedBy: d.decidedBy, decidedAt: d.at }, audit);
    },
    expire(id, at, audit) {
      const guard = and(
        eq(permissionRequests.id, id),
        pending,
        lte(permissionRequests.expiresAt, at),
      )!;
      return guarded(guard, { status: 'expired', decidedAt: at }, audit);
    },
    async listOverdue(now, limit) {
      const rows = await db
        .select()
        .from(permissionRequests)
        .where(and(pending, lte(permissionRequests.expiresAt, now)))
        .orderBy(asc(permissionRequests.expiresAt), asc(permissionRequests.id))
        .limit(limit);
      return rows.map(toRequest);
    },
  };
}
