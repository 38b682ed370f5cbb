import type { Task } from './task.js';

export const STAGE_OUTCOMES = [
  'running',
  'succeeded',
  'failed',
  'timed_out',
  'cancelled',
  'lost',
] as const;
export type StageOutcome = (typeof STAGE_OUTCOMES)[number];

/** One execution attempt of a task, opened when a runner claims it. */
export interface Stage {
  readonly id: string;
  readonly taskId: string;
  readonly attempt: number;
  readonly fencingToken: number;
  readonly runnerId: string;
  readonly executor: string | null;
  readonly model: string | null;
  readonly host: string | null;
  readonly outcome: StageOutcome;
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly errorClass: string | null;
  readonly latencyMs: number | null;
  readonly tokensIn: number;
  readonly tokensOut: number;
  readonly costUsd: number;
  readonly stdoutTail: string | null;
  readonly stderrTail: string | null;
  readonly summary: string | null;
  readonly outputPath: string | null;
  /** The CLI's own session id, so a follow-up can resume the same agent session. */
  readonly sessionId: string | null;
  /** An agent on a repo: `git diff` of its worktree from where the attempt began (capped). */
  readonly changesDiff: string | null;
  readonly startedAt: string;
  readonly finishedAt: string | null;
}

/** Stored output per attempt is capped here; the spool file in the data dir keeps everything. */
export const STORED_OUTPUT_BYTES = 10 * 1024 * 1024;

/**
 * What is kept of an attempt's output in the database: each stream's head and tail (a marker
 * replaces the middle when it was too long), with the byte counts of the whole streams.
 */
export interface StoredOutput {
  readonly stdout: string;
  readonly stderr: string;
  readonly stdoutBytes: number;
  readonly stderrBytes: number;
  /** Some of the middle of a stream was dropped (it is still in the spool file). */
  readonly truncated: boolean;
}

/** What a runner reports when an attempt ends. */
export interface StageResult {
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly errorClass: string | null;
  readonly latencyMs: number | null;
  readonly tokensIn: number;
  readonly tokensOut: number;
  readonly costUsd: number;
  readonly stdoutTail: string | null;
  readonly stderrTail: string | null;
  readonly summary: string | null;
  readonly outputPath: string | null;
  readonly sessionId: string | null;
  /** See Stage.changesDiff. */
  readonly changesDiff: string | null;
}

/** A stage keeps at most this much of its changed-files diff (head kept, marked when cut). */
export const CHANGES_DIFF_CHARS = 64 * 1024;

export const EMPTY_STAGE_RESULT: StageResult = {
  exitCode: null,
  signal: null,
  errorClass: null,
  latencyMs: null,
  tokensIn: 0,
  tokensOut: 0,
  costUsd: 0,
  stdoutTail: null,
  stderrTail: null,
  summary: null,
  outputPath: null,
  sessionId: null,
  changesDiff: null,
};

/** The stage a claim opens: attempt and token come from the claimed task, nothing measured yet. */
export function openStage(input: {
  readonly id: string;
  readonly task: Pick<Task, 'id' | 'attempts' | 'fencingToken' | 'executor' | 'host'>;
  readonly runnerId: string;
  readonly startedAt: string;
}): Stage {
  const { task } = input;
  return {
    ...EMPTY_STAGE_RESULT,
    id: input.id,
    taskId: task.id,
    attempt: task.attempts,
    fencingToken: task.fencingToken,
    runnerId: input.runnerId,
    executor: task.executor,
    model: null,
    host: task.host,
    outcome: 'running',
    startedAt: input.startedAt,
    finishedAt: null,
  };
}
