import type { Approval } from '../../core/approval.js';
import type { AuditEvent } from '../../core/audit.js';
import type { Breaker } from '../../core/breaker.js';
import type { Stage } from '../../core/stage.js';
import type { Task } from '../../core/task.js';
import type { approvals, auditLog, circuitBreakers, stages, tasks } from '../schema.js';

// Rows are only ever written by these repositories from typed domain values, so the text
// columns that hold enums are narrowed here rather than re-validated on every read.

export function toTask(row: typeof tasks.$inferSelect): Task {
  const { changeId: _c, deletedAt: _d, ...rest } = row;
  return rest as Task;
}

export function fromTask(task: Task, changeId: string): typeof tasks.$inferInsert {
  return { ...task, params: { ...task.params }, argv: task.argv ? [...task.argv] : null, changeId };
}

export function toStage(row: typeof stages.$inferSelect): Stage {
  const { deletedAt: _d, ...rest } = row;
  return rest as Stage;
}

export function toApproval(row: typeof approvals.$inferSelect): Approval {
  const { deletedAt: _d, ...rest } = row;
  return rest as Approval;
}

export const toAuditEvent = (row: typeof auditLog.$inferSelect): AuditEvent => row as AuditEvent;

export const toBreaker = (row: typeof circuitBreakers.$inferSelect): Breaker => row as Breaker;
