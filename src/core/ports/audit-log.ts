import type { AuditEvent } from '../audit.js';

/** Append-only. State changes write their own entries atomically; this is for everything else. */
export interface AuditLog {
  append(event: AuditEvent): Promise<void>;
  /** Oldest first. */
  listBySubject(subject: string, limit: number): Promise<readonly AuditEvent[]>;
}
