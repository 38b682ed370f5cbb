import type { RenderedStep } from './task-draft.js';
import type { StepGate } from './template.js';
import type { Task } from './task.js';

export const PIPELINE_STATUSES = [
  /** Submitted; waits for its own gate (if any) before the first step. */
  'pending',
  'running',
  /** A step waits for an approver at its gate. */
  'waiting',
  'succeeded',
  'failed',
  'cancelled',
] as const;
export type PipelineStatus = (typeof PIPELINE_STATUSES)[number];

/** A rendered step: its command, and once it has run, the task that ran it and how it ended. */
export interface PipelineStep {
  readonly name: string;
  readonly argv: readonly string[];
  readonly host: string;
  readonly gate: StepGate;
  readonly timeoutS: number;
  readonly taskId: string | null;
  readonly outcome: Task['status'] | null;
  readonly costUsd: number;
  /** The handoff summary its gate showed the approver (approval gates only). */
  readonly handoff: string | null;
}

/**
 * The state of a pipeline task (SPEC §3.9), stored next to the task so it survives restarts.
 * `version` makes every update conditional on the state it was computed from.
 */
export interface Pipeline {
  readonly taskId: string;
  readonly status: PipelineStatus;
  /** The step that runs or waits now; steps.length once all ran. */
  readonly currentStep: number;
  readonly steps: readonly PipelineStep[];
  readonly version: number;
  readonly updatedAt: string;
}

export const isPipelineDone = (p: Pipeline): boolean =>
  p.status === 'succeeded' || p.status === 'failed' || p.status === 'cancelled';

/** The requester of a step's task: the pipeline it belongs to. */
export const stepRequester = (pipelineTaskId: string): string => `pipeline:${pipelineTaskId}`;

/** The pipeline task a step's task belongs to, from its requester; null for any other task. */
export const pipelineOfStep = (requester: string): string | null =>
  requester.startsWith('pipeline:') ? requester.slice('pipeline:'.length) : null;

const money = (usd: number) => `$${usd.toFixed(2)}`;

/**
 * The handoff at a gate (SPEC §3.9): what ran, how it ended, what it cost, what comes next.
 * Short enough for an approval card.
 */
export function handoffSummary(pipeline: Pipeline, template: string, next: number): string {
  const done = pipeline.steps.slice(0, next);
  const ran = done.length
    ? done.map((s, i) => `${i + 1}. ${s.name}: ${s.outcome ?? 'not run'}`).join('; ')
    : 'nothing yet';
  const cost = done.reduce((sum, s) => sum + s.costUsd, 0);
  const step = pipeline.steps[next];
  const upcoming = step ? `${step.name} (${step.argv.join(' ')}) on ${step.host}` : 'nothing';
  return (
    `Pipeline ${template}, step ${next + 1} of ${pipeline.steps.length}. ` +
    `Ran: ${ran}. Cost so far: ${money(cost)}. Next: ${upcoming}.`
  );
}

/** The state a pipeline starts in: nothing run yet, waiting for its own task's gate. */
export function newPipeline(taskId: string, steps: readonly RenderedStep[], at: string): Pipeline {
  return {
    taskId,
    status: 'pending',
    currentStep: 0,
    steps: steps.map((s) => ({ ...s, taskId: null, outcome: null, costUsd: 0, handoff: null })),
    version: 1,
    updatedAt: at,
  };
}
