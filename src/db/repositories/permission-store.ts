import { and, asc, eq, gt, lte } from 'drizzle-orm';
import type { PermissionRequest, PermissionStatus } from '../../core/permission.js';
import type { PermissionStore } from '../../core/ports/permission-store.js';
import type { Database } from '../client.js';
import { permissionRequests } from '../schema.js';

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

/** Each decision is one guarded UPDATE … RETURNING: only a pending, unexpired row changes. */
export function createPermissionStore(db: Database): PermissionStore {
  const pending = eq(permissionRequests.status, 'pending');
  return {
    async create(r) {
      await db.insert(permissionRequests).values({ ...r, input: { ...r.input } });
    },
    async get(id) {
      const [row] = await db
        .select()
        .from(permissionRequests)
        .where(eq(permissionRequests.id, id))
        .limit(1);
      return row ? toRequest(row) : null;
    },
    async decide(d) {
      const [row] = await db
        .update(permissionRequests)
        .set({ status: d.status, decidedBy: d.decidedBy, decidedAt: d.at })
        .where(
          and(eq(permissionRequests.id, d.id), pending, gt(permissionRequests.expiresAt, d.at)),
        )
        .returning();
      return row ? toRequest(row) : null;
    },
    async expire(id, at) {
      const [row] = await db
        .update(permissionRequests)
        .set({ status: 'expired', decidedAt: at })
        .where(and(eq(permissionRequests.id, id), pending, lte(permissionRequests.expiresAt, at)))
        .returning();
      return row ? toRequest(row) : null;
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
