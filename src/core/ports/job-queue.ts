import type { Breaker } from '../breaker.js';
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
  /** The hosts this claim may take work on; an empty list takes nothing (there is no "any"). */
  readonly hosts: readonly string[];
  readonly now: string;
  readonly leaseExpiresAt: string;
  readonly changeId: string;
  readonly stageId: string;
  readonly auditId: string;
}

/**
 * What a claim reserves against the day's breaker (SPEC §3.2). The task's estimate is reserved
 * in the same atomic write that claims it, so concurrent claims cannot overshoot the day.
 */
export interface DispatchBudget {
  /** The day's breaker as a fresh row: the claim creates it when the day has none yet. */
  readonly day: Breaker;
  readonly estimateUsd: Readonly<Record<string, number>>;
  readonly defaultEstimateUsd: number;
  /** The oldest queued task that does not fit fails with this summary (and these ids). */
  readonly blockSummary: string;
  readonly blockChangeId: string;
  readonly blockStageId: string;
  readonly blockAuditId: string;
}

export interface BudgetedClaim {
  readonly claim: Claim | null;
  /** A task the day had no room for: it ended `failed` (`blocked_by_breaker`) without running. */
  readonly blocked: Task | null;
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
  /**
   * Like claim, within the day's budget: the oldest queued task that fits is claimed and its
   * estimate reserved; the oldest one that does not fit (if any) fails as blocked. One write.
   */
  claimWithinBudget(request: ClaimRequest, budget: DispatchBudget): Promise<BudgetedClaim>;
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
