import type { InStatement, InValue } from '@libsql/client';
import {
  getTableColumns,
  is,
  Param,
  Placeholder,
  sql,
  SQL,
  type Column,
  type Table,
} from 'drizzle-orm';
import type { SQLiteTable } from 'drizzle-orm/sqlite-core';
import type { Database } from '../client.js';

type Slot =
  { readonly value: unknown } | { readonly name: string; readonly encode: (v: unknown) => unknown };

/** A statement built once by drizzle (with sql.placeholder for every varying value). */
export interface Compiled<V extends string> {
  readonly sql: string;
  readonly slots: readonly Slot[];
  /** Only for typing: the placeholder names `bind` expects. */
  readonly names?: V;
}

const identity = (v: unknown) => v;

/**
 * Hot statements are built once and then only bound: drizzle's per-call SQL building was a
 * third of a claim+complete cycle (BENCHMARKS.md). Each parameter is classified here, once.
 */
export function compile<V extends string>(query: {
  toSQL(): { sql: string; params: unknown[] };
}): Compiled<V> {
  const { sql, params } = query.toSQL();
  const slots = params.map((p): Slot => {
    if (is(p, Placeholder)) return { name: p.name, encode: identity };
    if (is(p, Param) && is(p.value, Placeholder)) {
      const { encoder } = p;
      return {
        name: p.value.name,
        encode: (v) => (v === null ? null : encoder.mapToDriverValue(v)),
      };
    }
    return { value: p };
  });
  return { sql, slots };
}

export function bind<V extends string>(
  c: Compiled<V>,
  values: Readonly<Record<V, unknown>>,
): InStatement {
  const args = c.slots.map((s) => {
    if ('value' in s) return s.value as InValue;
    const v = (values as Record<string, unknown>)[s.name];
    if (v === undefined) throw new Error(`no value bound for placeholder "${s.name}"`);
    return s.encode(v) as InValue;
  });
  return { sql: c.sql, args };
}

/** Maps a row returned by `RETURNING *`-style statements to the table's typed shape, as drizzle would. */
export function rowMapper<T extends Table>(
  table: T,
): (row: Record<string, unknown>) => T['$inferSelect'] {
  const columns = Object.entries(getTableColumns(table)) as [string, Column][];
  return (row) => {
    const out: Record<string, unknown> = {};
    for (const [key, column] of columns) {
      const raw = row[column.name];
      out[key] = raw === null || raw === undefined ? null : column.mapFromDriverValue(raw);
    }
    return out as T['$inferSelect'];
  };
}

/**
 * A plain INSERT of one row into `table`, built once: every column is a placeholder, and a
 * value the row leaves out gets the column's default as drizzle would (its static default or
 * $defaultFn; SQL defaults are not used by this schema's inserted columns, so they are refused).
 */
export function compileInsert<T extends SQLiteTable>(
  db: Database,
  table: T,
): (row: T['$inferInsert']) => InStatement {
  const columns = Object.entries(getTableColumns(table)) as [string, Column][];
  const compiled = compile<string>(
    db
      .insert(table)
      .values(
        Object.fromEntries(
          columns.map(([key]) => [key, sql.placeholder(key)]),
        ) as T['$inferInsert'],
      ),
  );
  const fallback = (key: string, column: Column): unknown => {
    if (column.defaultFn) return column.defaultFn();
    if (column.default === undefined) return null;
    if (is(column.default, SQL)) throw new Error(`${key}: an SQL default needs a value`);
    return column.default;
  };
  return (row) => {
    const given = row as Record<string, unknown>;
    const values: Record<string, unknown> = {};
    for (const [key, column] of columns) {
      const v = given[key];
      values[key] = v === undefined ? fallback(key, column) : v;
    }
    return bind(compiled, values);
  };
}
