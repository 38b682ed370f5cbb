import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * Checkpoints a WAL database from a worker thread, on its own connection.
 *
 * Why: the local client is synchronous (libsql runs SQLite on the calling thread), and SQLite's
 * automatic checkpoint runs inside whichever COMMIT pushes the WAL past 1,000 pages. That commit
 * then copies the pages and fsyncs the database file on the event loop: under load one COMMIT
 * in ~150 took 10–70 ms and stalled every request and SSH stream with it (BENCHMARKS.md,
 * throughput). A PASSIVE checkpoint from another connection does the same work without taking
 * the write lock, so the server's writers never wait for it.
 *
 * The worker is plain JavaScript evaluated from a string: worker threads do not inherit the
 * tsx loader the CLI runs under, and this needs nothing but `libsql`.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.libsql);
const db = new Database(workerData.path, { timeout: workerData.busyTimeoutMs });
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
checkpoint.raw(true);
const timer = setInterval(() => {
  try {
    checkpoint.all();
  } catch (e) {
    // SQLITE_BUSY: another checkpointer is at work; the next tick tries again.
    if (!e || e.code !== 'SQLITE_BUSY') throw e;
  }
}, workerData.everyMs);
parentPort.on('message', (m) => {
  if (m !== 'stop') return;
  clearInterval(timer);
  try {
    checkpoint.all();
  } finally {
    db.close();
    // The server thread waits on this before it goes on (and maybe exits the process).
    Atomics.store(workerData.closed, 0, 1);
    Atomics.notify(workerData.closed, 0);
    parentPort.close();
  }
});
`;

// How long close() waits for the worker to let go of the file. It normally takes a
// millisecond; a worker still booting (loading libsql) may take a few hundred.
const STOP_WAIT_MS = 2_000;

export interface WalCheckpointer {
  /** Runs a last checkpoint and closes the worker's connection (waits for it), ending the thread. */
  stop(): void;
}

export interface WalCheckpointerOptions {
  readonly everyMs: number;
  readonly busyTimeoutMs: number;
  /** The worker failed (it could not open the file, or a checkpoint threw). */
  readonly onFailure: (error: Error) => void;
}

export function startWalCheckpointer(
  path: string,
  options: WalCheckpointerOptions,
): WalCheckpointer {
  const libsql = createRequire(import.meta.url).resolve('libsql');
  const closed = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      path,
      libsql,
      closed,
      everyMs: options.everyMs,
      busyTimeoutMs: options.busyTimeoutMs,
    },
    // Its stack traces should not drown the server's logs, and it needs little memory.
    resourceLimits: { maxOldGenerationSizeMb: 32 },
  });
  let stopped = false;
  let alive = true;
  worker.on('error', (error) => {
    alive = false;
    if (!stopped) options.onFailure(error);
  });
  worker.on('exit', () => (alive = false));
  // A server that is shutting down must not wait for the checkpointer's timer.
  worker.unref();
  return {
    stop() {
      if (stopped) return;
      stopped = true;
      if (!alive) return;
      worker.postMessage('stop');
      // Synchronous, like the client's close(): a process that exits right after must not
      // tear the thread down inside a native call (libsql panics), and the file is let go of.
      Atomics.wait(closed, 0, 0, STOP_WAIT_MS);
    },
  };
}
