import type { TemplateInfo } from './task-draft.js';
import type { ParamValue } from './task.js';

export const TEMPLATE_PARAM_TYPES = ['string', 'number', 'boolean'] as const;
export type TemplateParamType = (typeof TEMPLATE_PARAM_TYPES)[number];

/** A typed parameter of a template; `values` makes a string parameter an enumeration. */
export interface TemplateParam {
  readonly name: string;
  readonly type: TemplateParamType;
  readonly required: boolean;
  readonly default: ParamValue | null;
  readonly values: readonly string[] | null;
  readonly description: string | null;
}

/**
 * What stands before a pipeline step: nothing, an approver's tap (with a handoff summary of
 * what ran so far), or — for a check step — nothing, but the pipeline stops unless it passes.
 */
export const STEP_GATES = ['none', 'approval', 'validation'] as const;
export type StepGate = (typeof STEP_GATES)[number];

/** One step of a pipeline template (SPEC §3.9): a command, rendered like a template's argv. */
export interface TemplateStep {
  readonly name: string;
  readonly argv: readonly string[];
  /** Where it runs; null: the pipeline's host. */
  readonly host: string | null;
  readonly gate: StepGate;
  readonly timeoutS: number | null;
}

/**
 * A named, parameterised job (SPEC §3.8), loaded from a Markdown file with YAML front matter
 * in `templates_dir`. Its argv is rendered at submit time, so a runner only ever sees argv.
 */
export interface TaskTemplate extends TemplateInfo {
  readonly description: string;
  /** Words or phrases that name this template in a chat message ("deploy", "run the tests"). */
  readonly triggers: readonly string[];
  readonly params: readonly TemplateParam[];
  /** The host it runs on unless the request names one (null: the request or `local`). */
  readonly host: string | null;
  /**
   * Program and arguments; an element may hold `{{param}}` or `{{environment}}` placeholders,
   * each replaced by the value as data within that one element (never split, never a shell).
   */
  readonly argv: readonly string[];
  readonly expectedOutputs: readonly string[];
  /** The Markdown body of the file: what it does and when to use it, for people. */
  readonly notes: string;
  /** A pipeline's steps, in order (SPEC §3.9); empty for a single command (`argv`). */
  readonly steps: readonly TemplateStep[];
}
