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
  readonly timeoutMs: number;
  /** Aborting it cancels the command: TERM to the group, grace, KILL, verify. */
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

export interface Transport {
  exec(request: ExecRequest): Promise<ExecResult>;
  close(): Promise<void>;
}
