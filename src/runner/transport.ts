import type { SURVIVOR_REASONS } from '../core/use-cases/record-survivor-kill.js';

/**
 * How a command runs on a host, local or over SSH. Both transports honour the same contract:
 * argv only (never a shell string from a user), a fresh process group per command so timeout
 * and cancel can kill the whole tree, stdout and stderr streamed concurrently.
 */
export interface ExecRequest {
  /** Program and arguments, passed through verbatim: no shell expansion of any element. */
  readonly argv: readonly string[];
  readonly cwd?: string | undefined;
  /** Only these variables are set for the command (an allow-list, not the runner's env). */
  readonly env?: Readonly<Record<string, string>> | undefined;
  /** Written to the command's stdin, then stdin is closed. Prompts go here, not in argv. */
  readonly stdin?: string | undefined;
  /** Covers the whole call: waiting for a free session, connecting, and running. */
  readonly timeoutMs: number;
  /** Whose command this is (a task id): named when its leftovers are killed later. */
  readonly owner?: string | undefined;
  /** Aborting it cancels the command (also while it waits): TERM to the run, grace, KILL, verify. */
  readonly signal?: AbortSignal | undefined;
  /**
   * Called with the raw bytes as they arrive (a chunk may end inside a multi-byte character;
   * it is only valid during the call); the transport itself keeps only a capped copy.
   */
  readonly onOutput?: ((stream: 'stdout' | 'stderr', chunk: Buffer) => void) | undefined;
}

/** Exit code, killed by a signal, and no exit status at all are different outcomes. */
export type ExitStatus =
  | { readonly kind: 'exited'; readonly code: number }
  | { readonly kind: 'signaled'; readonly signal: string }
  | { readonly kind: 'missing' };

/** Why a command did not run to its own end; null when it did. */
export type TransportFailure =
  | 'timeout'
  | 'cancelled'
  | 'host_unreachable'
  | 'host_key_mismatch'
  | 'auth_failure'
  | 'connection_lost';

export interface CapturedOutput {
  /** Head and tail of the stream, with a marker where the middle was dropped. */
  readonly text: string;
  readonly totalBytes: number;
  readonly truncated: boolean;
}

export interface ExecResult {
  readonly exit: ExitStatus;
  readonly failure: TransportFailure | null;
  readonly stdout: CapturedOutput;
  readonly stderr: CapturedOutput;
  readonly durationMs: number;
  /** The command's process group id on the host, once known. */
  readonly pgid: number | null;
}

/**
 * Processes of an earlier run, killed before the host ran anything new: the run's end was never
 * confirmed (the connection dropped, a kill did not verify, or the runner restarted).
 */
export interface SurvivorReport {
  readonly host: string;
  readonly owner: string | null;
  readonly pgid: number | null;
  readonly reason: (typeof SURVIVOR_REASONS)[number];
  /** Live processes of the run found on the host. */
  readonly found: number;
  /** Whether none is left (false: something outlived KILL). */
  readonly gone: boolean;
}

export interface Transport {
  exec(request: ExecRequest): Promise<ExecResult>;
  close(): Promise<void>;
}
