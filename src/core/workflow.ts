import type { Channel } from './task.js';

export const WORKFLOW_STATUSES = ['open', 'closed'] as const;
export type WorkflowStatus = (typeof WORKFLOW_STATUSES)[number];

export const WORKFLOW_VERDICTS = ['passed', 'failed', 'abandoned'] as const;
export type WorkflowVerdict = (typeof WORKFLOW_VERDICTS)[number];

/** 'execution': a task the workflow started (logged by `execute`); 'log': written by the client. */
export const WORKFLOW_STAGE_KINDS = ['execution', 'log'] as const;
export type WorkflowStageKind = (typeof WORKFLOW_STAGE_KINDS)[number];

/** Outcomes a client may log for a stage it ran itself. */
export const LOGGED_OUTCOMES = [
  'succeeded',
  'failed',
  'timed_out',
  'cancelled',
  'partial',
  'skipped',
] as const;
export type LoggedOutcome = (typeof LOGGED_OUTCOMES)[number];

/**
 * Limits on what an MCP client may store; bigger input is refused, except a stage's output,
 * which is capped (head kept, a marker says how much was dropped) because logs are long.
 */
export const WORKFLOW_LIMITS = {
  titleChars: 200,
  goalChars: 4_000,
  acceptanceItems: 20,
  acceptanceChars: 500,
  stageNameChars: 200,
  notesChars: 4_000,
  outputChars: 20_000,
  /** A workflow is a plan a person can follow, not a log sink. */
  stages: 500,
  taskKindChars: 64,
  maxCostUsd: 10_000,
  maxLatencyMs: 7 * 24 * 60 * 60 * 1000,
  maxTokens: 1_000_000_000,
} as const;

/** A unit of work an MCP client drives: init → spec → execute → write → close (SPEC §3.6). */
export interface Workflow {
  readonly id: string;
  readonly title: string;
  readonly goal: string | null;
  readonly acceptance: readonly string[];
  readonly status: WorkflowStatus;
  readonly verdict: WorkflowVerdict | null;
  readonly verdictNotes: string | null;
  readonly requester: string;
  readonly channel: Channel;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly closedAt: string | null;
}

/** One stage of a workflow; `seq` numbers them 1, 2, … in the order they were appended. */
export interface WorkflowStage {
  readonly id: string;
  readonly workflowId: string;
  readonly seq: number;
  readonly kind: WorkflowStageKind;
  readonly name: string;
  /** For execution stages: the task; its live status and result are read from the task. */
  readonly taskId: string | null;
  readonly executor: string | null;
  readonly outcome: string | null;
  readonly output: string | null;
  readonly costUsd: number;
  readonly latencyMs: number | null;
  readonly tokensIn: number;
  readonly tokensOut: number;
  readonly createdAt: string;
}

export type NewWorkflowStage = Omit<WorkflowStage, 'seq'>;

/** An execution stage logged when its task is submitted: outcome and figures come from the task. */
export function executionStage(s: {
  readonly id: string;
  readonly workflowId: string;
  readonly name: string;
  readonly taskId: string;
  readonly executor: string | null;
  readonly createdAt: string;
}): NewWorkflowStage {
  return {
    ...s,
    kind: 'execution',
    outcome: null,
    output: null,
    costUsd: 0,
    latencyMs: null,
    tokensIn: 0,
    tokensOut: 0,
  };
}

/** Keeps the head of a long text and says how much was dropped, within `max` characters. */
export function capText(text: string, max: number): { text: string; truncated: boolean } {
  if (text.length <= max) return { text, truncated: false };
  const marker = (dropped: number) => `\n… [${dropped} more characters dropped]`;
  const keep = max - marker(text.length).length;
  return { text: text.slice(0, keep) + marker(text.length - keep), truncated: true };
}

/** Who may see and change a workflow: the client that started it, or an owner. */
export const mayTouchWorkflow = (
  workflow: Pick<Workflow, 'requester'>,
  actor: { readonly id: string; readonly role: string },
): boolean => workflow.requester === actor.id || actor.role === 'owner' || actor.role === 'system';
