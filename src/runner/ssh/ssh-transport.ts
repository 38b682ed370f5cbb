import { randomBytes } from 'node:crypto';
import { Socket } from 'node:net';
import { Client, type ClientChannel } from 'ssh2';
import { PGID_MARKER, toRemoteCommandLine } from '../command-line.js';
import { DEFAULT_CAPTURE_BYTES, OutputCapture } from '../output-capture.js';
import { DEFAULT_KILL_GRACE_MS } from '../process-group.js';
import { FOUND_PREFIX, reapCommand, type ReapTarget } from '../reap-command.js';
import type {
  CapturedOutput,
  ExecRequest,
  ExecResult,
  ExitStatus,
  SurvivorReport,
  Transport,
  TransportFailure,
} from '../transport.js';
import { createRunLedger } from './run-ledger.js';
import { classifySshError } from './classify-error.js';
import { coalesceWrites } from './coalesce-writes.js';
import { verifyHostKey, type HostKeyPolicy } from './host-key.js';
import { watchForStop } from '../stop-watch.js';

export interface SshHost {
  readonly name: string;
  readonly address: string;
  readonly port: number;
  readonly user: string;
  readonly privateKey?: string | Buffer | undefined;
  /** Path of an ssh-agent socket (the entry passes SSH_AUTH_SOCK). */
  readonly agent?: string | undefined;
  readonly hostKey: HostKeyPolicy;
  /** The server's MaxSessions; one channel is kept back for kill commands. */
  readonly maxSessions: number;
}

export interface SshTransportOptions {
  readonly captureBytes?: number;
  readonly killGraceMs?: number;
  readonly readyTimeoutMs?: number;
  readonly keepaliveMs?: number;
  /**
   * Where the runs that may still have processes on the host are kept, so a restarted runner
   * kills them too. Without it the transport remembers them in memory only.
   */
  readonly ledgerFile?: string;
  /** Called for every earlier run whose leftovers were killed (the caller audits it). */
  readonly onSurvivors?: (report: SurvivorReport) => void;
}

/** One exec call: its marker, and the stop (timeout or cancel) that may end it at any point. */
interface RunState {
  readonly marker: string;
  readonly started: number;
  why: TransportFailure | null;
  stopped: Promise<void>;
}

const EMPTY_OUTPUT: CapturedOutput = { text: '', totalBytes: 0, truncated: false };
// After a stop, how long past the kill's own time (TERM grace + KILL ticks) a run may take.
const GIVE_UP_MS = 3_000;

interface Connection {
  readonly client: Client;
  readonly ready: Promise<void>;
  broken: boolean;
  /** Recycled: takes no new channels and ends when its last channel closes. */
  draining: boolean;
  channels: number;
  hostKeyRejected: boolean;
}

const MAX_BACKOFF_MS = 10_000;
// ~5 s of retries: under load sshd can take that long to free the slot of a closed session.
const OPEN_ATTEMPTS = 9;

class ConnectFailed extends Error {
  constructor(
    readonly failure: TransportFailure,
    cause: unknown,
  ) {
    super(`ssh connection failed: ${failure}`, { cause });
  }
}

/**
 * Commands on one host over one pooled ssh2 connection: keepalive, lazy reconnect with
 * backoff, at most maxSessions − 1 exec channels at once (the rest queue), and a channel that
 * fails to open recycles the connection. No ssh2 error can escape as an unhandled event.
 */
export function createSshTransport(host: SshHost, options: SshTransportOptions = {}): Transport {
  const captureBytes = options.captureBytes ?? DEFAULT_CAPTURE_BYTES;
  const graceMs = options.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
  const slots = Math.max(1, host.maxSessions - 1);
  const ledger = createRunLedger(options.ledgerFile);
  let active = 0;
  const waiting: (() => void)[] = [];
  let conn: Connection | null = null;
  let backoffMs = 0;
  let nextAttemptAt = 0;
  let closed = false;

  /** A session slot, or false when the run was stopped first (it then never took one). */
  const acquire = (state: RunState): Promise<boolean> => {
    if (state.why !== null) return Promise.resolve(false);
    if (active < slots) {
      active++;
      return Promise.resolve(true);
    }
    return new Promise<boolean>((resolve) => {
      const take = () => resolve(true);
      waiting.push(take);
      void state.stopped.then(() => {
        const i = waiting.indexOf(take);
        if (i === -1) return; // the slot was handed over first: run() sees the stop
        waiting.splice(i, 1);
        resolve(false);
      });
    });
  };
  const notRun = (state: RunState): ExecResult => ({
    exit: { kind: 'missing' },
    failure: state.why,
    stdout: EMPTY_OUTPUT,
    stderr: EMPTY_OUTPUT,
    durationMs: Date.now() - state.started,
    pgid: null,
  });
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else active--;
  };

  function connect(): Connection {
    const client = new Client();
    const c: Connection = {
      client,
      ready: Promise.resolve(),
      broken: false,
      draining: false,
      channels: 0,
      hostKeyRejected: false,
    };
    const ready = new Promise<void>((resolve, reject) => {
      client.once('ready', () => {
        backoffMs = 0;
        resolve();
      });
      client.on('error', (e) => {
        c.broken = true;
        reject(new ConnectFailed(classifySshError(e, c.hostKeyRejected), e));
      });
      client.on('close', () => {
        c.broken = true;
        reject(new ConnectFailed('connection_lost', new Error('connection closed')));
      });
    });
    ready.catch(() => {
      backoffMs = Math.min(Math.max(250, backoffMs * 2), MAX_BACKOFF_MS);
      nextAttemptAt = Date.now() + backoffMs;
    });
    client.connect({
      host: host.address,
      port: host.port,
      username: host.user,
      ...(host.privateKey ? { privateKey: host.privateKey } : {}),
      ...(host.agent ? { agent: host.agent } : {}),
      readyTimeout: options.readyTimeoutMs ?? 10_000,
      keepaliveInterval: options.keepaliveMs ?? 15_000,
      keepaliveCountMax: 3,
      hostVerifier: (key: Buffer) => {
        const ok = verifyHostKey(host.hostKey, key);
        if (!ok) c.hostKeyRejected = true;
        return ok;
      },
    });
    // Small packets (exec requests, exit status, kill commands) must not wait for an ACK:
    // with Nagle on, every exec here took ~44 ms instead of ~2 ms (BENCHMARKS.md).
    client.setNoDelay(true);
    // ssh2 made its socket in connect() and keeps it as `_sock` (its own setNoDelay uses it).
    const socket = (client as unknown as { _sock?: unknown })._sock;
    if (socket instanceof Socket) coalesceWrites(socket);
    return Object.assign(c, { ready });
  }

  /** The connection, once the leftovers of unconfirmed runs are gone (unless for a control). */
  async function connection(reapFirst: boolean): Promise<Connection> {
    if (closed) throw new ConnectFailed('connection_lost', new Error('transport closed'));
    if (!conn || conn.broken || conn.draining) {
      const wait = nextAttemptAt - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      if (!conn || conn.broken || conn.draining) conn = connect();
    }
    const current = conn;
    await current.ready;
    if (reapFirst && ledger.suspects().length > 0) await reapSuspects();
    return current;
  }

  const retire = (c: Connection) => {
    c.draining = true;
    if (c.channels === 0) c.client.end();
  };

  /**
   * Opens an exec channel and wires it inside ssh2's callback: a fast command's output, exit
   * status and close can arrive in the same socket read as the open confirmation, before any
   * code after an `await` would run.
   */
  const openChannel = <T>(c: Connection, command: string, wire: (stream: ClientChannel) => T) =>
    new Promise<{ stream: ClientChannel; wired: T }>((resolve, reject) => {
      try {
        c.client.exec(command, (err, stream) => {
          if (err) return reject(err);
          c.channels++;
          stream.once('close', () => {
            c.channels--;
            if (c.draining && c.channels === 0) c.client.end();
          });
          resolve({ stream, wired: wire(stream) });
        });
      } catch (e) {
        reject(e);
      }
    });

  /**
   * A channel for `command`. sshd frees a session slot a moment after its channel closes, so a
   * refused open is first retried on the same connection; if it keeps failing, the connection
   * is recycled — it drains (its running commands finish) while a fresh one takes new work.
   */
  async function channel<T>(
    command: string,
    wire: (stream: ClientChannel) => T,
    { reapFirst = true }: { reapFirst?: boolean } = {},
  ) {
    for (let attempt = 1; ; attempt++) {
      const c = await connection(reapFirst);
      try {
        return { ...(await openChannel(c, command, wire)), conn: c };
      } catch (e) {
        if (attempt >= OPEN_ATTEMPTS) throw e;
        if (!c.broken) {
          await new Promise((r) => setTimeout(r, Math.min(20 * 2 ** attempt, 1_500)));
          if (attempt >= OPEN_ATTEMPTS - 2) retire(c);
        }
      }
    }
  }

  /** Runs a short control command (a reap) and returns its exit code and first output. */
  async function control(command: string): Promise<{ code: number | null; stdout: string }> {
    const { wired } = await channel(
      command,
      (stream) => {
        let code: number | null = null;
        let stdout = '';
        stream.on('exit', (c: number | null) => (code = c));
        stream.on('data', (chunk: Buffer) => {
          if (stdout.length < 256) stdout += chunk.toString();
        });
        stream.stderr.on('data', () => {});
        stream.on('error', () => {});
        stream.end();
        return new Promise<{ code: number | null; stdout: string }>((resolve) =>
          stream.once('close', () => resolve({ code, stdout })),
        );
      },
      { reapFirst: false },
    );
    return wired;
  }

  /**
   * Ends everything of one run on the host (see reapCommand). Null when the host could not be
   * asked (the connection failed): nothing is known then.
   */
  async function reap(
    target: ReapTarget,
    trustGroup: boolean,
  ): Promise<{ found: number; gone: boolean } | null> {
    try {
      const { code, stdout } = await control(reapCommand(target, { graceMs, trustGroup }));
      if (code === null) return null;
      const line = stdout.split('\n').find((l) => l.startsWith(FOUND_PREFIX)) ?? '';
      return { found: Number(line.slice(FOUND_PREFIX.length)) || 0, gone: code === 0 };
    } catch {
      return null;
    }
  }

  /**
   * Before a host runs anything new, the leftovers of runs whose end was never confirmed are
   * killed, each reported (for the audit). One reap at a time. When the host cannot be asked,
   * the run stays a suspect and the caller's command does not start (a lost connection).
   */
  let reapingSuspects: Promise<void> | null = null;
  function reapSuspects(): Promise<void> {
    reapingSuspects ??= (async () => {
      for (const r of ledger.suspects()) {
        const result = await reap(r, false);
        if (!result) {
          throw new ConnectFailed('connection_lost', new Error('leftovers could not be reaped'));
        }
        ledger.ended(r.marker);
        const reason = r.reason ?? 'connection_lost';
        options.onSurvivors?.({ host: host.name, owner: r.owner, pgid: r.pgid, reason, ...result });
      }
    })().finally(() => (reapingSuspects = null));
    return reapingSuspects;
  }

  async function run(req: ExecRequest, state: RunState): Promise<ExecResult> {
    const { marker, stopped } = state;
    const stdout = new OutputCapture(captureBytes);
    const stderr = new OutputCapture(captureBytes);
    const done = (exit: ExitStatus, failure: TransportFailure | null): ExecResult => ({
      exit,
      failure,
      stdout: stdout.result(),
      stderr: stderr.result(),
      durationMs: Date.now() - state.started,
      pgid,
    });
    const commandLine = toRemoteCommandLine({ ...req, marker });
    let pgid: number | null = null;
    let killing: Promise<void> | null = null;
    let exit: ExitStatus = { kind: 'missing' };
    let stream: ClientChannel | null = null;
    let unconfirmed = false;
    /**
     * Kills the whole run, then closes the channel either way: a process that left the session
     * (setsid) can hold the channel's pipes open long after the command itself is gone.
     */
    const startKill = () => {
      killing ??= reap({ marker, pgid }, true).then((result) => {
        if (!result?.gone) unconfirmed = true;
        stream?.close();
      });
    };
    const passErr = (chunk: Buffer) => {
      stderr.push(chunk);
      req.onOutput?.('stderr', chunk);
    };
    // The first stderr line is the wrapper's pgid report; it is not the command's output.
    let head: Buffer | null = Buffer.alloc(0);
    const onStderr = (chunk: Buffer) => {
      if (head === null) return passErr(chunk);
      head = Buffer.concat([head, chunk]);
      const nl = head.indexOf(0x0a);
      if (nl === -1 && head.length < 256) return;
      const line = head.subarray(0, nl === -1 ? head.length : nl).toString();
      const rest = nl === -1 ? Buffer.alloc(0) : head.subarray(nl + 1);
      head = null;
      if (line.startsWith(PGID_MARKER)) {
        pgid = Number(line.slice(PGID_MARKER.length)) || null;
        if (pgid !== null) ledger.pgidKnown(marker, pgid);
        if (state.why !== null) startKill();
        if (rest.length) passErr(rest);
      } else {
        passErr(
          Buffer.concat([Buffer.from(line), nl === -1 ? Buffer.alloc(0) : Buffer.from('\n'), rest]),
        );
      }
    };
    const wire = (s: ClientChannel) => {
      s.on('data', (chunk: Buffer) => {
        stdout.push(chunk);
        req.onOutput?.('stdout', chunk);
      });
      s.stderr.on('data', onStderr);
      s.on('error', () => {});
      s.stderr.on('error', () => {});
      s.on('exit', (code: number | null, signal?: string) => {
        exit =
          code !== null && code !== undefined
            ? { kind: 'exited', code }
            : signal
              ? { kind: 'signaled', signal: signal.startsWith('SIG') ? signal : `SIG${signal}` }
              : { kind: 'missing' };
      });
      const closed = new Promise((resolve) => s.once('close', resolve));
      s.end(req.stdin ?? '');
      return closed;
    };
    ledger.started({ marker, pgid: null, owner: req.owner ?? null });
    const opening = channel(commandLine, wire);
    // A stop while the channel opens ends the call now; if the command starts after all, its
    // channel is closed and the run stays a suspect, reaped before the host runs anything else.
    const first = await Promise.race([
      opening.then(
        (o) => ({ opened: o }),
        (e: unknown) => ({ error: e }),
      ),
      stopped.then(() => null),
    ]);
    if (first === null) {
      void opening.then(
        (o) => {
          o.stream.close();
          ledger.suspect(marker, 'kill_unconfirmed');
        },
        () => ledger.ended(marker),
      );
      return done({ kind: 'missing' }, state.why);
    }
    if ('error' in first) {
      ledger.ended(marker);
      const e = first.error;
      return done({ kind: 'missing' }, e instanceof ConnectFailed ? e.failure : 'connection_lost');
    }
    const opened = first.opened;
    stream = opened.stream;
    void stopped.then(() => {
      if (pgid !== null) return startKill();
      // No pgid yet (the wrapper has not reported): wait for it a grace period, then reap by the
      // marker alone.
      setTimeout(startKill, graceMs).unref();
    });
    // A kill that cannot finish (the host froze) must not hold the task: give up on the channel
    // once the kill has had its time, and leave the run a suspect.
    const giveUp = stopped.then(
      () =>
        new Promise<void>((resolve) => {
          setTimeout(
            () => {
              unconfirmed = true;
              stream?.close();
              resolve();
            },
            2 * graceMs + GIVE_UP_MS,
          ).unref();
        }),
    );
    await Promise.race([opened.wired, giveUp]);
    if (killing) await Promise.race([killing, giveUp]);
    const broken = opened.conn.broken;
    if (exit.kind === 'missing' && state.why === null && broken) {
      ledger.suspect(marker, 'connection_lost');
      return done(exit, 'connection_lost');
    }
    if (broken || unconfirmed)
      ledger.suspect(marker, broken ? 'connection_lost' : 'kill_unconfirmed');
    else ledger.ended(marker);
    return done(exit, state.why);
  }

  return {
    async exec(req) {
      const state: RunState = {
        marker: randomBytes(16).toString('hex'),
        started: Date.now(),
        why: null,
        stopped: Promise.resolve(),
      };
      let fire = (_why: TransportFailure) => {};
      state.stopped = new Promise<void>((resolve) => {
        fire = (why) => {
          state.why ??= why;
          resolve();
        };
      });
      // Armed before the wait for a session: timeout and cancel hold while the task queues.
      const disarm = watchForStop(req, fire);
      try {
        if (!(await acquire(state))) return notRun(state);
        try {
          return await run(req, state);
        } finally {
          release();
        }
      } finally {
        disarm();
      }
    },
    async close() {
      closed = true;
      conn?.client.end();
      conn = null;
    },
  };
}
