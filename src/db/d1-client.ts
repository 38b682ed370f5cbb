import type { Client, InArgs, InStatement, InValue, ResultSet, Row } from '@libsql/client';

// The slice of Cloudflare's D1 binding used here (workers-types is not a dependency).
export interface D1PreparedStatementLike {
  bind(...values: unknown[]): D1PreparedStatementLike;
  raw<T = unknown[]>(options: { columnNames: true }): Promise<[string[], ...T[]]>;
}
export interface D1ResultLike {
  readonly results?: readonly Record<string, unknown>[];
  readonly meta?: { readonly changes?: number; readonly last_row_id?: number };
}
export interface D1DatabaseLike {
  prepare(sql: string): D1PreparedStatementLike;
  batch(statements: D1PreparedStatementLike[]): Promise<D1ResultLike[]>;
}

/** A libSQL row: indexable by position and by column name, as drizzle and the repositories read it. */
function rowOf(values: readonly unknown[], columns: readonly string[]): Row {
  const row = {} as Row;
  Object.defineProperty(row, 'length', { value: values.length });
  values.forEach((value, i) => {
    Object.defineProperty(row, i, { value });
    const column = columns[i];
    if (column !== undefined && !Object.hasOwn(row, column)) {
      Object.defineProperty(row, column, {
        value,
        enumerable: true,
        configurable: true,
        writable: true,
      });
    }
  });
  return row;
}

function resultSet(columns: string[], rows: Row[], rowsAffected: number): ResultSet {
  return {
    columns,
    columnTypes: columns.map(() => ''),
    rows,
    rowsAffected,
    lastInsertRowid: undefined,
    toJSON: () => ({ columns, rows: rows.map((r) => Array.from(r as ArrayLike<unknown>)) }),
  };
}

/** D1 binds null, numbers, strings and ArrayBuffers; libSQL's other inputs map onto those. */
function d1Value(v: InValue | undefined): unknown {
  if (v === undefined) return null;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Date) return v.getTime();
  if (v instanceof Uint8Array) return v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength);
  return v;
}

function prepare(d1: D1DatabaseLike, stmt: InStatement | [string, InArgs?]) {
  const [sql, args] =
    typeof stmt === 'string' ? [stmt, []] : Array.isArray(stmt) ? stmt : [stmt.sql, stmt.args];
  if (args !== undefined && !Array.isArray(args)) {
    throw new Error('D1 takes positional arguments only');
  }
  const prepared = d1.prepare(sql);
  return args?.length ? prepared.bind(...args.map(d1Value)) : prepared;
}

/**
 * A libSQL `Client` over a D1 binding, so the Worker runs the same drizzle queries and the same
 * repositories (which also call `execute`/`batch` with precompiled SQL) on D1.
 *
 * - `execute` reads rows with `raw()`: positional values, so joins with equal column names keep
 *   every column. D1's raw() reports no row count: `rowsAffected` is 0 (no repository reads it).
 * - `batch` and `migrate` are one D1 batch, which D1 runs as one transaction (all or nothing),
 *   like libSQL's batch. D1 answers a batch with objects, so columns come back in key order.
 * - No interactive transactions: the repositories never hold one across an await (rule 6).
 */
export function createD1Client(d1: D1DatabaseLike): Client {
  const execute = async (stmt: InStatement | string, args?: InArgs): Promise<ResultSet> => {
    const [columns, ...rows] = await prepare(
      d1,
      typeof stmt === 'string' ? { sql: stmt, ...(args ? { args } : {}) } : stmt,
    ).raw<unknown[]>({ columnNames: true });
    return resultSet(
      columns,
      rows.map((r) => rowOf(r, columns)),
      0,
    );
  };
  const batch = async (stmts: (InStatement | [string, InArgs?])[]): Promise<ResultSet[]> => {
    if (stmts.length === 0) return [];
    const results = await d1.batch(stmts.map((s) => prepare(d1, s)));
    return results.map((r) => {
      const objects = r.results ?? [];
      const columns = Object.keys(objects[0] ?? {});
      const rows = objects.map((o) =>
        rowOf(
          columns.map((c) => o[c]),
          columns,
        ),
      );
      return resultSet(columns, rows, r.meta?.changes ?? 0);
    });
  };
  const unsupported = (what: string) => () => {
    throw new Error(`${what} is not available on D1`);
  };
  return {
    execute: execute as Client['execute'],
    batch,
    migrate: batch,
    transaction: unsupported('an interactive transaction') as Client['transaction'],
    executeMultiple: unsupported('executeMultiple') as Client['executeMultiple'],
    sync: unsupported('sync') as Client['sync'],
    close: () => {},
    reconnect: () => {},
    closed: false,
    protocol: 'd1',
  };
}
