import type { Pipeline } from '../pipeline.js';
import type { Approval, ApprovalDecision } from '../approval.js';
import type { AuditEvent } from '../audit.js';
import type { StageOutcome, StageResult, StoredOutput } from '../stage.js';
import type { Channel, Task, TaskKind, TaskStatus } from '../task.js';

export interface TaskQuery {
  readonly status?: readonly TaskStatus[];
  readonly kind?: TaskKind;
  readonly host?: string;
  readonly executor?: string;
  readonly requester?: string;
  readonly channel?: Channel;
  readonly limit: number;
  /** Id of the last task of the previous page; pages run newest first (ids are UUIDv7). */
  readonly after?: string;
}

export interface TaskPage {
  readonly items: readonly Task[];
  readonly nextCursor: string | null;
}

/**
 * One atomic move of a task. It applies only while the task is in one of `from` (and, for
 * runner reports, while `fencingToken` is current); the dependent writes ride in the same
 * batch and happen only if the move did, so a double tap or a late report changes nothing.
 */
export interface TaskChange {
  readonly taskId: string;
  readonly from: readonly TaskStatus[];
  readonly to: TaskStatus;
  readonly at: string;
  readonly changeId: string;
  readonly fencingToken?: number;
  /** Runner reports: apply only while this runner holds the lease. */
  readonly leaseOwner?: string;
  /** Reaper guard: apply only if the lease expired at or before this instant. */
  readonly leaseExpiredBy?: string;
  /** The executor the next attempt runs on (an escalation: running → queued). */
  readonly executor?: string;
  /** Decides the task's pending approval. */
  readonly approval?: ApprovalDecision;
  /** Closes the open stage of the current attempt and adds its cost and tokens to the task. */
  readonly stage?: {
    readonly outcome: Exclude<StageOutcome, 'running'>;
    readonly result: StageResult;
    /** The attempt's capped output, stored with the stage in the same write. */
    readonly output?: StoredOutput | undefined;
  };
  readonly audit: readonly AuditEvent[];
}

export interface TaskStore {
  /**
   * Stores a new task with its approval gate (if any), audit trail and — for a pipeline — its
   * pipeline state, in one atomic write.
   */
  create(
    task: Task,
    approval: Approval | null,
    audit: readonly AuditEvent[],
    pipeline?: Pipeline | null,
  ): Promise<void>;
  get(id: string): Promise<Task | null>;
  /** Tasks whose id ends with `suffix` (the short reference a chat shows), newest first. */
  findBySuffix(suffix: string, limit: number): Promise<readonly Task[]>;
  list(query: TaskQuery): Promise<TaskPage>;
  /** Returns the task as changed, or null when its state no longer allowed the move. */
  transition(change: TaskChange): Promise<Task | null>;
}
