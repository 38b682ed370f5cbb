import {
  LibsqlError,
  type Client,
  type InArgs,
  type InStatement,
  type InValue,
  type ResultSet,
  type Row,
  type TransactionMode,
} from '@libsql/client';
import Database from 'libsql';
import { createGroupCommit } from './group-commit.js';
import { startWalCheckpointer, type WalCheckpointer } from './wal-checkpointer.js';

type Statement = Database.Statement;

interface Prepared {
  readonly stmt: Statement;
  readonly reader: boolean;
  readonly columns: string[];
  readonly columnTypes: string[];
  readonly toRow: (values: unknown[]) => Row;
}

// Enough for every statement shape the repositories send, with room for ad-hoc queries.
const CACHE_SIZE = 256;

function toSql(value: InValue): unknown {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number' && !Number.isFinite(value))
    throw new RangeError('only finite numbers can be stored');
  if (value instanceof ArrayBuffer) return Buffer.from(value);
  if (value instanceof Date) return value.valueOf();
  if (value === undefined)
    throw new TypeError('undefined cannot be passed as argument to the database');
  return value;
}

function bindArgs(args: InArgs | undefined): unknown[] | Record<string, unknown> {
  if (!args) return [];
  if (Array.isArray(args)) return args.map(toSql);
  const named: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(args)) named[/^[@$:]/.test(k) ? k.slice(1) : k] = toSql(v);
  return named;
}

/**
 * Rows shaped like @libsql/client's: array-like by index, enumerable by column name.
 * One class per statement's columns: names are plain properties set in column order (one
 * hidden class for every row), indexes and `length` live on its prototype. Defining the
 * indexes on each row, as before, was a tenth of the database's CPU under load.
 */
function rowFactory(columns: readonly string[]): (values: unknown[]) => Row {
  // A name that is an index, `length`, or seen before stays reachable by index only, as in
  // @libsql/client (the first of duplicate names wins).
  const names = columns.map((name, i) =>
    /^\d+$/.test(name) || name === 'length' || columns.indexOf(name) !== i ? null : name,
  );
  class ResultRow {
    readonly #values: unknown[];
    constructor(values: unknown[]) {
      this.#values = values;
      const self = this as unknown as Record<string, unknown>;
      for (let i = 0; i < names.length; i++) {
        const name = names[i];
        if (name === null || name === undefined) continue;
        // `__proto__` would set the prototype if assigned; defined instead.
        if (name === '__proto__') {
          Object.defineProperty(self, name, {
            value: values[i],
            enumerable: true,
            writable: true,
            configurable: true,
          });
        } else self[name] = values[i];
      }
    }
    static valuesOf(row: ResultRow): unknown[] {
      return row.#values;
    }
  }
  Object.defineProperty(ResultRow.prototype, 'length', { value: columns.length });
  for (let i = 0; i < columns.length; i++) {
    Object.defineProperty(ResultRow.prototype, i, {
      get(this: ResultRow) {
        return ResultRow.valuesOf(this)[i];
      },
    });
  }
  return (values) => {
    for (let i = 0; i < values.length; i++) {
      const value = values[i];
      if (value instanceof Buffer) values[i] = value.buffer;
    }
    return new ResultRow(values) as unknown as Row;
  };
}

const wrapError = (e: unknown): unknown => {
  if (!(e instanceof Error) || e instanceof LibsqlError) return e;
  const code = (e as { code?: unknown }).code;
  return new LibsqlError(
    e.message,
    typeof code === 'string' ? code : 'UNKNOWN',
    undefined,
    undefined,
    e,
  );
};

/**
 * A @libsql/client `Client` for a local file that keeps prepared statements. @libsql/client
 * compiles every statement afresh and asks for its columns twice per call; for the task
 * queue's wide, guarded statements that was half of a claim+complete cycle (BENCHMARKS.md).
 * Same native binding (`libsql`), same row shape, one connection. Interactive transactions are
 * refused: state changes are single statements or batches (ARCHITECTURE.md rule 6).
 */
const WRITES = /^\s*(?:insert|update|delete|replace)\b/i;

type BatchStatement = InStatement | [string, InArgs?];

export interface LocalClientOptions {
  readonly busyTimeoutMs: number;
  /**
   * Checkpoint the WAL from a worker thread every this many ms instead of inside a COMMIT on
   * this thread (wal-checkpointer.ts). For the long-running server; short commands skip it.
   */
  readonly walCheckpointEveryMs?: number | undefined;
}

// SQLite's default: the size at which a COMMIT checkpoints the WAL itself.
const AUTO_CHECKPOINT_PAGES = 1_000;
// With the worker on, only a safety valve: reached if the worker falls behind or cannot run.
const VALVE_CHECKPOINT_PAGES = 10_000;

export function createLocalClient(path: string, options: LocalClientOptions): Client {
  const db = new Database(path, { timeout: options.busyTimeoutMs });
  const cache = new Map<string, Prepared>();
  let closed = false;
  let checkpointer: WalCheckpointer | null = null;
  if (options.walCheckpointEveryMs !== undefined && path !== ':memory:') {
    // WAL before the worker opens the file (openDatabase sets it again, harmlessly).
    db.exec('PRAGMA journal_mode = WAL');
    db.exec(`PRAGMA wal_autocheckpoint = ${VALVE_CHECKPOINT_PAGES}`);
    checkpointer = startWalCheckpointer(path, {
      everyMs: options.walCheckpointEveryMs,
      busyTimeoutMs: options.busyTimeoutMs,
      onFailure: () => {
        // Back to checkpointing on this thread: slower under load, but the WAL stays bounded.
        if (!closed) db.exec(`PRAGMA wal_autocheckpoint = ${AUTO_CHECKPOINT_PAGES}`);
      },
    });
  }

  const prepare = (sql: string): Prepared => {
    const hit = cache.get(sql);
    if (hit) {
      // Re-insert to keep the map in least-recently-used order.
      cache.delete(sql);
      cache.set(sql, hit);
      return hit;
    }
    const stmt = db.prepare(sql);
    const reader = stmt.reader;
    if (reader) stmt.raw(true);
    const defs = reader ? stmt.columns() : [];
    const prepared = {
      stmt,
      reader,
      columns: defs.map((c) => c.name),
      columnTypes: defs.map((c) => c.type ?? ''),
      toRow: rowFactory(defs.map((c) => c.name)),
    };
    cache.set(sql, prepared);
    if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value as string);
    return prepared;
  };

  const run = (statement: InStatement | string, extraArgs?: InArgs): ResultSet => {
    if (closed) throw new LibsqlError('The client is closed', 'CLIENT_CLOSED');
    const sql = typeof statement === 'string' ? statement : statement.sql;
    const args = bindArgs(typeof statement === 'string' ? extraArgs : statement.args);
    try {
      const p = prepare(sql);
      if (p.reader) {
        const rows = (p.stmt.all(args) as unknown[][]).map(p.toRow);
        return result(p.columns, p.columnTypes, rows, 0, undefined);
      }
      const info = p.stmt.run(args);
      return result([], [], [], info.changes, BigInt(info.lastInsertRowid));
    } catch (e) {
      throw wrapError(e);
    }
  };

  const runAll = (stmts: readonly BatchStatement[]): ResultSet[] =>
    stmts.map((s) => (Array.isArray(s) ? run(s[0], s[1]) : run(s)));

  const inTransaction = (begin: string, stmts: readonly BatchStatement[]): ResultSet[] => {
    run(begin);
    try {
      const results = runAll(stmts);
      run('COMMIT');
      return results;
    } catch (e) {
      if (db.inTransaction) run('ROLLBACK');
      throw e;
    }
  };

  // Every write goes through the group (group-commit.ts): it runs under BEGIN IMMEDIATE, which
  // also matters for a lone INSERT … RETURNING. Run in autocommit and failing mid-step (say
  // SQLITE_BUSY while another connection writes), libsql leaves it "in progress" and every
  // later COMMIT on this connection fails; in a transaction the ROLLBACK resets it.
  const group = createGroupCommit<readonly BatchStatement[]>({
    run: (sql) => void run(sql),
    apply: runAll,
    inTransaction: () => db.inTransaction,
  });
  const write = (stmts: readonly BatchStatement[]) => group.write(stmts) as Promise<ResultSet[]>;

  const execute = (statement: InStatement | string, args?: InArgs): Promise<ResultSet> => {
    const sql = typeof statement === 'string' ? statement : statement.sql;
    if (closed || !WRITES.test(sql)) return Promise.resolve().then(() => run(statement, args));
    const stmt: InStatement =
      typeof statement === 'string' ? { sql, ...(args ? { args } : {}) } : statement;
    return write([stmt]).then((results) => results[0]!);
  };

  const client: Client = {
    protocol: 'file',
    get closed() {
      return closed;
    },
    execute,
    // A write batch takes the write lock up front (BEGIN IMMEDIATE, in the group), so the busy
    // timeout applies to waiting for it instead of a read transaction failing to upgrade later
    // (SQLITE_BUSY_SNAPSHOT).
    batch: (stmts, mode?: TransactionMode) =>
      mode === 'read'
        ? Promise.resolve().then(() => inTransaction('BEGIN DEFERRED', stmts))
        : write(stmts),
    migrate: (stmts) =>
      Promise.resolve().then(() => {
        run('PRAGMA foreign_keys = OFF');
        try {
          return inTransaction('BEGIN IMMEDIATE', stmts);
        } finally {
          cache.clear();
          run('PRAGMA foreign_keys = ON');
        }
      }),
    executeMultiple: (sql) =>
      Promise.resolve().then(() => {
        db.exec(sql);
        cache.clear();
      }),
    transaction: () =>
      Promise.reject(
        new LibsqlError(
          'Interactive transactions are not used: send one batch instead.',
          'TRANSACTION_UNSUPPORTED',
        ),
      ),
    sync: () => Promise.resolve(undefined),
    close() {
      if (closed) return;
      // Writes already sent are committed, not dropped.
      group.flush();
      closed = true;
      cache.clear();
      db.close();
      // Waits for the worker to close its connection too: nothing holds the file after this.
      checkpointer?.stop();
    },
    reconnect() {
      throw new LibsqlError(
        'A local client cannot reconnect; open a new one.',
        'RECONNECT_UNSUPPORTED',
      );
    },
  };
  return client;
}

function result(
  columns: string[],
  columnTypes: string[],
  rows: Row[],
  rowsAffected: number,
  lastInsertRowid: bigint | undefined,
): ResultSet {
  return {
    columns,
    columnTypes,
    rows,
    rowsAffected,
    lastInsertRowid,
    toJSON: () => ({
      columns,
      columnTypes,
      rows: rows.map((r) => Array.from(r as unknown as ArrayLike<unknown>)),
      rowsAffected,
      lastInsertRowid: lastInsertRowid?.toString() ?? null,
    }),
  };
}
