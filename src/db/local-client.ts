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

type Statement = Database.Statement;

interface Prepared {
  readonly stmt: Statement;
  readonly reader: boolean;
  readonly columns: string[];
  readonly columnTypes: string[];
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

/** Rows shaped like @libsql/client's: array-like by index, enumerable by column name. */
function toRow(values: unknown[], columns: readonly string[]): Row {
  const row: Record<string | number, unknown> = {};
  Object.defineProperty(row, 'length', { value: values.length });
  for (let i = 0; i < values.length; i++) {
    const value = values[i] instanceof Buffer ? (values[i] as Buffer).buffer : values[i];
    Object.defineProperty(row, i, { value });
    const name = columns[i];
    if (name !== undefined && !Object.hasOwn(row, name)) {
      Object.defineProperty(row, name, {
        value,
        enumerable: true,
        configurable: true,
        writable: true,
      });
    }
  }
  return row as unknown as Row;
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
const WRITES_ROWS = /^\s*(?:insert|update|delete|replace)\b[\s\S]*\breturning\b/i;

export function createLocalClient(path: string, options: { busyTimeoutMs: number }): Client {
  const db = new Database(path, { timeout: options.busyTimeoutMs });
  const cache = new Map<string, Prepared>();
  let closed = false;

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
        const rows = (p.stmt.all(args) as unknown[][]).map((values) => toRow(values, p.columns));
        return result(p.columns, p.columnTypes, rows, 0, undefined);
      }
      const info = p.stmt.run(args);
      return result([], [], [], info.changes, BigInt(info.lastInsertRowid));
    } catch (e) {
      throw wrapError(e);
    }
  };

  const inTransaction = (
    begin: string,
    stmts: readonly (InStatement | [string, InArgs?])[],
  ): ResultSet[] => {
    run(begin);
    try {
      const results = stmts.map((s) => (Array.isArray(s) ? run(s[0], s[1]) : run(s)));
      run('COMMIT');
      return results;
    } catch (e) {
      if (db.inTransaction) run('ROLLBACK');
      throw e;
    }
  };

  // A writing statement that returns rows (INSERT … RETURNING) and fails mid-step — SQLITE_BUSY
  // while another connection writes — is left "in progress" by libsql, and every later COMMIT
  // on this connection then fails. Run on its own, it gets a transaction: BEGIN IMMEDIATE waits
  // for the lock (or fails cleanly), and a ROLLBACK resets the statement if it fails anyway.
  const execute = (statement: InStatement | string, args?: InArgs): ResultSet => {
    const sql = typeof statement === 'string' ? statement : statement.sql;
    // A closed native handle must not be touched at all (db.inTransaction would crash).
    if (closed || !WRITES_ROWS.test(sql) || db.inTransaction) return run(statement, args);
    const stmt: InStatement =
      typeof statement === 'string' ? { sql, ...(args ? { args } : {}) } : statement;
    return inTransaction('BEGIN IMMEDIATE', [stmt])[0]!;
  };

  const client: Client = {
    protocol: 'file',
    get closed() {
      return closed;
    },
    execute: (stmt: InStatement | string, args?: InArgs) =>
      Promise.resolve().then(() => execute(stmt, args)),
    // BEGIN IMMEDIATE takes the write lock up front, so the busy timeout applies to waiting for it
    // instead of a read transaction failing to upgrade later (SQLITE_BUSY_SNAPSHOT).
    batch: (stmts, mode?: TransactionMode) =>
      Promise.resolve().then(() =>
        inTransaction(mode === 'read' ? 'BEGIN DEFERRED' : 'BEGIN IMMEDIATE', stmts),
      ),
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
      closed = true;
      cache.clear();
      db.close();
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
