import type { Approval } from '../approval.js';

/** Gate records; created with the task and decided by TaskStore.transition. */
export interface ApprovalStore {
  listByTask(taskId: string): Promise<readonly Approval[]>;
  pendingForTask(taskId: string): Promise<Approval | null>;
  /** Pending approvals whose expiry is at or before `now`, oldest first. */
  listExpired(now: string, limit: number): Promise<readonly Approval[]>;
}
