export const TASK_KINDS = ['agent', 'shell', 'template', 'pipeline', 'consensus'] as const;
export type TaskKind = (typeof TASK_KINDS)[number];

export const TASK_STATUSES = [
  'draft',
  'awaiting_approval',
  'queued',
  'running',
  'succeeded',
  'failed',
  'cancelled',
  'timed_out',
  'rejected',
  'expired',
  'lost',
] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export const RISKS = ['low', 'medium', 'high'] as const;
export type Risk = (typeof RISKS)[number];

/**
 * What a task needs before it may run: nothing, one tap, or a typed phrase from an approver.
 * `confirm` is one tap on Run for a request the parser only guessed at (see guess-gate.ts).
 */
export const GATES = ['none', 'confirm', 'tap', 'typed_phrase'] as const;
export type Gate = (typeof GATES)[number];

export const ENVIRONMENTS = ['dev', 'staging', 'production'] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

export const CHANNELS = ['telegram', 'pwa', 'mcp', 'api', 'cli', 'runner', 'system'] as const;
export type Channel = (typeof CHANNELS)[number];

export type ParamValue = string | number | boolean;

export interface Task {
  readonly id: string;
  readonly kind: TaskKind;
  readonly status: TaskStatus;
  readonly executor: string | null;
  readonly host: string | null;
  readonly repo: string | null;
  readonly environment: Environment | null;
  readonly template: string | null;
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly prompt: string | null;
  readonly argv: readonly string[] | null;
  readonly risk: Risk;
  readonly gate: Gate;
  readonly riskReason: string;
  /** Safe to run again after a lost lease (read-only work); the reaper requeues it instead of failing it. */
  readonly idempotent: boolean;
  readonly budgetUsd: number | null;
  /** A follow-up ("Continue", a reply to a result) names the task whose agent session it resumes. */
  readonly continuesTaskId: string | null;
  /** The CLI session to resume (claude --resume, codex exec resume), from that task's stage. */
  readonly resumeSessionId: string | null;
  /** Climbs the escalation ladder on a verified failure (agent tasks only; SPEC §3.3). */
  readonly escalate: boolean;
  readonly timeoutS: number;
  readonly costUsd: number;
  readonly tokensIn: number;
  readonly tokensOut: number;
  readonly requester: string;
  readonly channel: Channel;
  readonly attempts: number;
  /** Increases with every claim; a runner's report must carry the current one. */
  readonly fencingToken: number;
  readonly leaseOwner: string | null;
  readonly leaseExpiresAt: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly finishedAt: string | null;
}

export const TERMINAL_STATUSES: ReadonlySet<TaskStatus> = new Set([
  'succeeded',
  'failed',
  'cancelled',
  'timed_out',
  'rejected',
  'expired',
  'lost',
]);

export const isTerminal = (status: TaskStatus): boolean => TERMINAL_STATUSES.has(status);
