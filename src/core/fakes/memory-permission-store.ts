import type { AuditEvent } from '../audit.js';
import type { PermissionRequest } from '../permission.js';
import type { PermissionStore } from '../ports/permission-store.js';

/** Synchronous bodies: each call is as atomic as the guarded UPDATE it stands for. */
export function createMemoryPermissionStore(auditLog: AuditEvent[]): PermissionStore {
  const rows = new Map<string, PermissionRequest>();
  const update = (
    id: string,
    ok: (r: PermissionRequest) => boolean,
    next: Partial<PermissionRequest>,
    audit: AuditEvent,
  ) => {
    const row = rows.get(id);
    if (!row || !ok(row)) return null;
    const changed = { ...row, ...next };
    rows.set(id, changed);
    auditLog.push(audit);
    return changed;
  };
  return {
    async create(request, audit) {
      if (rows.has(request.id)) throw new Error(`duplicate permission request ${request.id}`);
      rows.set(request.id, request);
      auditLog.push(audit);
    },
    async get(id) {
      return rows.get(id) ?? null;
    },
    async decide(d, audit) {
      return update(
        d.id,
        (r) => r.status === 'pending' && r.expiresAt > d.at,
        { status: d.status, decidedBy: d.decidedBy, decidedAt: d.at },
        audit,
      );
    },
    async expire(id, at, audit) {
      return update(
        id,
        (r) => r.status === 'pending' && r.expiresAt <= at,
        { status: 'expired', decidedAt: at },
        audit,
      );
    },
    async listOverdue(now, limit) {
      return [...rows.values()]
        .filter((r) => r.status === 'pending' && r.expiresAt <= now)
        .sort((a, b) => (a.expiresAt < b.expiresAt ? -1 : a.expiresAt > b.expiresAt ? 1 : 0))
        .slice(0, limit);
    },
  };
}
