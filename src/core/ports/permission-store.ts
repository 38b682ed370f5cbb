import type { AuditEvent } from '../audit.js';
import type { PermissionRequest } from '../permission.js';

/**
 * Agents' tool-use permission requests. A decision applies only while the request is pending
 * and not yet expired: a second or late decision changes nothing (and returns null). Each
 * change and its audit entry are written together or not at all.
 */
export interface PermissionStore {
  create(request: PermissionRequest, audit: AuditEvent): Promise<void>;
  get(id: string): Promise<PermissionRequest | null>;
  decide(
    decision: {
      readonly id: string;
      readonly status: 'allowed' | 'denied';
      readonly decidedBy: string;
      readonly at: string;
    },
    audit: AuditEvent,
  ): Promise<PermissionRequest | null>;
  /** Marks a pending request whose expiry is at or before `at` as expired; null otherwise. */
  expire(id: string, at: string, audit: AuditEvent): Promise<PermissionRequest | null>;
  /** Pending requests whose expiry is at or before `now`, soonest first. */
  listOverdue(now: string, limit: number): Promise<readonly PermissionRequest[]>;
}
