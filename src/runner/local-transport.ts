import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { RUN_MARKER_VAR } from './command-line.js';
import { DEFAULT_CAPTURE_BYTES, OutputCapture } from './output-capture.js';
import { DEFAULT_KILL_GRACE_MS, killRun, startTicks } from './process-group.js';
import type {
  ExecRequest,
  ExecResult,
  ExitStatus,
  Transport,
  TransportFailure,
} from './transport.js';
import { watchForStop } from './stop-watch.js';

export interface LocalTransportOptions {
  /** Variables passed through from the runner's environment (the entry picks them). */
  readonly baseEnv: Readonly<Record<string, string>>;
  readonly captureBytes?: number;
  readonly killGraceMs?: number;
}

// After the process exits, stdio may still be held open by a straggler; stop waiting then.
const STDIO_DRAIN_MS = 2_000;

/**
 * The built-in host `local`: the same contract as SSH, on this machine. `detached` makes the
 * child a session and process-group leader (setsid), so its pid is the group to kill.
 */
export function createLocalTransport(options: LocalTransportOptions): Transport {
  const captureBytes = options.captureBytes ?? DEFAULT_CAPTURE_BYTES;
  const graceMs = options.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
  const running = new Set<Promise<unknown>>();

  async function exec(req: ExecRequest): Promise<ExecResult> {
    const started = Date.now();
    const [program, ...args] = req.argv;
    if (!program) throw new Error('argv needs a program');
    const stdout = new OutputCapture(captureBytes);
    const stderr = new OutputCapture(captureBytes);
    // Processes that leave the group and session (setsid) still carry it: see killRun.
    const marker = randomBytes(16).toString('hex');
    const child = spawn(program, args, {
      // Like an SSH login: no working directory given means the home directory.
      cwd: req.cwd ?? options.baseEnv['HOME'],
      env: { ...options.baseEnv, ...req.env, [RUN_MARKER_VAR]: marker },
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const pgid = child.pid ?? null;
    // Whatever carries the marker started after the child: older processes need no look.
    const born = pgid === null ? 0 : startTicks(pgid);
    const kill = (id: number) => killRun(id, `${RUN_MARKER_VAR}=${marker}`, graceMs, born);
    // Subscribe now: 'close' can fire while we are still waiting for the group to die.
    const closed = new Promise((resolve) => child.once('close', resolve));
    let failure: TransportFailure | null = null;
    let killing: Promise<boolean> | null = null;
    const stop = (why: TransportFailure) => {
      failure ??= why;
      if (pgid !== null) killing ??= kill(pgid);
    };
    const disarm = watchForStop(req, stop);

    const pipe = (
      stream: NodeJS.ReadableStream | null,
      capture: OutputCapture,
      name: 'stdout' | 'stderr',
    ) => {
      stream?.on('data', (chunk: Buffer) => {
        capture.push(chunk);
        req.onOutput?.(name, chunk);
      });
    };
    pipe(child.stdout, stdout, 'stdout');
    pipe(child.stderr, stderr, 'stderr');
    // A program that never reads stdin closes the pipe early: EPIPE is not a failure.
    child.stdin.on('error', () => {});
    child.stdin.end(req.stdin ?? '');

    const exit = await new Promise<ExitStatus>((resolve) => {
      child.once('error', (e: NodeJS.ErrnoException) => {
        // Like a shell: a program that cannot be started exits 127 with the reason on stderr,
        // streamed like any other output (so the spool file has it too).
        const reason = Buffer.from(
          `${program}: ${e.code === 'ENOENT' ? 'command not found' : e.message}\n`,
        );
        stderr.push(reason);
        req.onOutput?.('stderr', reason);
        resolve({ kind: 'exited', code: e.code === 'ENOENT' ? 127 : 126 });
      });
      child.once('exit', (code, signal) =>
        resolve(
          code !== null
            ? { kind: 'exited', code }
            : signal
              ? { kind: 'signaled', signal }
              : { kind: 'missing' },
        ),
      );
    });
    disarm();
    // The leader is gone, but its children may not be: nothing of a finished task stays behind.
    if (pgid !== null) await (killing ?? kill(pgid));
    let drain: NodeJS.Timeout | undefined;
    await Promise.race([closed, new Promise((r) => (drain = setTimeout(r, STDIO_DRAIN_MS)))]);
    clearTimeout(drain);
    child.stdout.destroy();
    child.stderr.destroy();
    return {
      exit,
      failure,
      stdout: stdout.result(),
      stderr: stderr.result(),
      durationMs: Date.now() - started,
      pgid,
    };
  }

  return {
    exec(req) {
      const p = exec(req);
      running.add(p);
      void p.finally(() => running.delete(p)).catch(() => {});
      return p;
    },
    async close() {
      await Promise.allSettled([...running]);
    },
  };
}
