import type { ExecResult } from '../transport.js';
import type { Price, UsageMeter } from './usage-meter.js';

/** How a stage ended, as chat, PWA and MCP report it (SPEC §3.7). */
export const OUTCOME_CLASSES = [
  'succeeded',
  'failed',
  'auth_failure',
  'network_failure',
  'timeout',
  'cancelled',
  'host_unreachable',
  'host_key_mismatch',
  'output_parse_error',
  // SPEC §3.2: the day had no room for the task's estimate / its own spend crossed the halt limit.
  'blocked_by_breaker',
  'halted_by_breaker',
] as const;
export type OutcomeClass = (typeof OUTCOME_CLASSES)[number];

/** What a task asks an executor to do. */
export interface ExecutorTask {
  readonly prompt: string | null;
  readonly argv: readonly string[] | null;
  readonly model: string | null;
  /** Resume this CLI session (claude --resume, codex exec resume, …) when set. */
  readonly sessionId: string | null;
  /**
   * An MCP config file on the host naming Switchboard's approve_tool_use tool (with the
   * per-task token inside it, never in argv): set when the profile asks for permission prompts.
   */
  readonly mcpConfigPath?: string | null | undefined;
}

/** The command to run: argv verbatim, the prompt on stdin. */
export interface Invocation {
  readonly argv: readonly string[];
  readonly stdin: string | null;
}

/** What the CLI's own output says happened. */
export interface ParsedRun {
  readonly outcome: OutcomeClass;
  /** One line for chat: the result text, or the reason it failed. */
  readonly summary: string | null;
  readonly costUsd: number | null;
  readonly tokensIn: number;
  readonly tokensOut: number;
  readonly sessionId: string | null;
}

/** A named way to run a CLI (SPEC §2): builds argv and reads the CLI's real output format. */
export interface ExecutorProfile {
  readonly name: string;
  readonly cli: 'shell' | 'claude' | 'codex' | 'gemini';
  /** The runner must give this CLI an MCP config for permission prompts (see mcpConfigPath). */
  readonly permissionPrompts?: boolean | undefined;
  invocation(task: ExecutorTask): Invocation;
  parse(result: ExecResult): ParsedRun;
  /** Prices the tokens of a CLI that reports no cost of its own. */
  readonly price?: Price | null | undefined;
  /** Reads the spend from streamed output while the CLI runs (for the per-task halt). */
  meter?(): UsageMeter;
}
