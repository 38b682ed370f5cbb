import type { Stage } from '../stage.js';
import type { Task } from '../task.js';

export interface Lease {
  readonly taskId: string;
  readonly runnerId: string;
  /** Monotonic per task: every claim gets a larger one, so a stale holder's report is refused. */
  readonly fencingToken: number;
  readonly expiresAt: string;
}

export interface ClaimRequest {
  readonly runnerId: string;
  /** Hosts this runner can reach; null means any. */
  readonly hosts: readonly string[] | null;
  readonly now: string;
  readonly leaseExpiresAt: string;
  readonly changeId: string;
  readonly stageId: string;
  readonly auditId: string;
}

export interface Claim {
  readonly task: Task;
  readonly stage: Stage;
  readonly lease: Lease;
}

/**
 * The queue is the set of `queued` tasks. Claiming moves the oldest one to `running` under a
 * lease, opens a stage and audits it, all in one atomic write: no task is ever claimed twice.
 */
export interface JobQueue {
  claim(request: ClaimRequest): Promise<Claim | null>;
  /** Extends a live lease; null if the token is stale, the task left `running` or the lease expired. */
  heartbeat(request: {
    readonly taskId: string;
    /** Set for a runner acting as itself: only the lease holder may extend it. */
    readonly runnerId?: string;
    readonly fencingToken: number;
    readonly now: string;
    readonly leaseExpiresAt: string;
  }): Promise<Lease | null>;
  expiredLeases(now: string, limit: number): Promise<readonly Task[]>;
  depth(): Promise<number>;
}
