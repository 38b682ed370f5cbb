import { Socket } from 'node:net';
import { Client, type ClientChannel } from 'ssh2';
import { PGID_MARKER, groupSignalCommand, toRemoteCommandLine } from '../command-line.js';
import { DEFAULT_CAPTURE_BYTES, OutputCapture } from '../output-capture.js';
import { DEFAULT_KILL_GRACE_MS } from '../process-group.js';
import type {
  ExecRequest,
  ExecResult,
  ExitStatus,
  Transport,
  TransportFailure,
} from '../transport.js';
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
}

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
const POLL_MS = 100;
// Zombies (dead, not yet reaped) are no orphans: only live members of the group count.
const aliveCheck = (pgid: number) =>
  `ps -A -o pgid= -o stat= | awk -v g=${pgid} '$1==g && $2 !~ /^Z/ {f=1} END {exit !f}'`;

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
  let active = 0;
  const waiting: (() => void)[] = [];
  let conn: Connection | null = null;
  let backoffMs = 0;
  let nextAttemptAt = 0;
  let closed = false;

  const acquire = async () => {
    if (active < slots) {
      active++;
      return;
    }
    await new Promise<void>((resolve) => waiting.push(resolve));
  };
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

  async function connection(): Promise<Connection> {
    if (closed) throw new ConnectFailed('connection_lost', new Error('transport closed'));
    if (!conn || conn.broken || conn.draining) {
      const wait = nextAttemptAt - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      if (!conn || conn.broken || conn.draining) conn = connect();
    }
    const current = conn;
    await current.ready;
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
  async function channel<T>(command: string, wire: (stream: ClientChannel) => T) {
    for (let attempt = 1; ; attempt++) {
      const c = await connection();
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

  /** Runs a short control command (kill, liveness check) and returns its exit code. */
  async function control(command: string): Promise<number | null> {
    const { wired } = await channel(command, (stream) => {
      let code: number | null = null;
      stream.on('exit', (c: number | null) => (code = c));
      stream.on('data', () => {});
      stream.stderr.on('data', () => {});
      stream.on('error', () => {});
      stream.end();
      return new Promise<number | null>((resolve) => stream.once('close', () => resolve(code)));
    });
    return wired;
  }

  /** TERM the remote group, wait out the grace period, KILL, then check nothing live is left. */
  async function killRemoteGroup(pgid: number): Promise<boolean> {
    try {
      await control(groupSignalCommand(pgid, 'TERM'));
      for (let waited = 0; waited < graceMs; waited += POLL_MS) {
        if ((await control(aliveCheck(pgid))) !== 0) return true;
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
      await control(groupSignalCommand(pgid, 'KILL'));
      return (await control(aliveCheck(pgid))) !== 0;
    } catch {
      return false;
    }
  }

  async function run(req: ExecRequest, started: number): Promise<ExecResult> {
    const stdout = new OutputCapture(captureBytes);
    const stderr = new OutputCapture(captureBytes);
    const done = (
      exit: ExitStatus,
      failure: TransportFailure | null,
      pgid: number | null,
    ): ExecResult => ({
      exit,
      failure,
      stdout: stdout.result(),
      stderr: stderr.result(),
      durationMs: Date.now() - started,
      pgid,
    });
    const commandLine = toRemoteCommandLine(req);
    let pgid: number | null = null;
    let failure: TransportFailure | null = null;
    let killing: Promise<boolean> | null = null;
    let stopRequested = false;
    let exit: ExitStatus = { kind: 'missing' };
    let stream: ClientChannel | null = null;
    const startKill = () => {
      if (pgid === null || killing) return;
      killing = killRemoteGroup(pgid).then((gone) => {
        if (!gone) stream?.close();
        return gone;
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
        if (stopRequested) startKill();
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
    let opened: { stream: ClientChannel; wired: Promise<unknown>; conn: Connection };
    try {
      opened = await channel(commandLine, wire);
    } catch (e) {
      return done(
        { kind: 'missing' },
        e instanceof ConnectFailed ? e.failure : 'connection_lost',
        null,
      );
    }
    stream = opened.stream;
    const stop = (why: TransportFailure) => {
      failure ??= why;
      if (stopRequested) return;
      stopRequested = true;
      startKill();
      // No pgid reported (the wrapper never ran): stop waiting on the channel after the grace.
      setTimeout(() => {
        if (pgid === null) stream?.close();
      }, graceMs).unref();
    };
    const disarm = watchForStop(req, stop);
    await opened.wired;
    disarm();
    if (killing) await killing;
    if (exit.kind === 'missing' && failure === null && opened.conn.broken)
      failure = 'connection_lost';
    return done(exit, failure, pgid);
  }

  return {
    async exec(req) {
      const started = Date.now();
      await acquire();
      try {
        return await run(req, started);
      } finally {
        release();
      }
    },
    async close() {
      closed = true;
      conn?.client.end();
      conn = null;
    },
  };
}
