import { describe, expect, it } from 'vitest';
import {
  createD1Client,
  type D1DatabaseLike,
  type D1PreparedStatementLike,
} from '../../src/db/d1-client.js';

/** A D1 binding stand-in that records what it was given and answers from a script. */
function fakeD1(answer: { columns: string[]; rows: unknown[][] }) {
  const seen: { sql: string; args: unknown[] }[] = [];
  const statement = (sql: string, args: unknown[] = []): D1PreparedStatementLike => ({
    bind: (...values: unknown[]) => statement(sql, values),
    raw: async () => {
      seen.push({ sql, args });
      return [answer.columns, ...answer.rows] as never;
    },
    // The batch reads these two back.
    ...({ sql, args } as object),
  });
  const d1: D1DatabaseLike = {
    prepare: (sql) => statement(sql),
    batch: async (stmts) =>
      stmts.map((s) => {
        const { sql, args } = s as unknown as { sql: string; args: unknown[] };
        seen.push({ sql, args });
        return {
          results: answer.rows.map((r) =>
            Object.fromEntries(answer.columns.map((c, i) => [c, r[i]])),
          ),
          meta: { changes: answer.rows.length },
        };
      }),
  };
  return { d1, seen };
}

describe('the libSQL Client over a D1 binding', () => {
  it('reads rows positionally and by name, keeping both columns of a join with equal names', async () => {
    const { d1, seen } = fakeD1({ columns: ['id', 'id', 'name'], rows: [['t1', 's1', 'x']] });
    const rs = await createD1Client(d1).execute({
      sql: 'SELECT t.id, s.id, t.name FROM t JOIN s',
      args: [],
    });
    const row = rs.rows[0]!;
    expect(Array.prototype.slice.call(row)).toEqual(['t1', 's1', 'x']);
    expect(row['id']).toBe('t1');
    // Like @libsql/client: names are enumerable, positions and length are not.
    expect(Object.keys(row)).toEqual(['id', 'name']);
    expect(rs.columns).toEqual(['id', 'id', 'name']);
    expect(seen).toEqual([{ sql: 'SELECT t.id, s.id, t.name FROM t JOIN s', args: [] }]);
  });

  it('binds what D1 takes: booleans as 0/1, bigints and dates as numbers, undefined as null', async () => {
    const { d1, seen } = fakeD1({ columns: [], rows: [] });
    const at = new Date('2026-01-01T00:00:00Z');
    await createD1Client(d1).execute('UPDATE t SET a = ?, b = ?, c = ?, d = ?, e = ?', [
      true,
      12n,
      at,
      'x',
      null,
    ]);
    expect(seen[0]?.args).toEqual([1, 12, at.getTime(), 'x', null]);
  });

  it('runs batch and migrate as one D1 batch and maps each result', async () => {
    const { d1, seen } = fakeD1({ columns: ['n'], rows: [[1], [2]] });
    const client = createD1Client(d1);
    const results = await client.batch(
      [{ sql: 'UPDATE t SET n = n + 1 RETURNING n', args: [] }, 'SELECT n FROM t'],
      'write',
    );
    expect(results.map((r) => r.rows.map((row) => row['n']))).toEqual([
      [1, 2],
      [1, 2],
    ]);
    expect(results[0]?.rowsAffected).toBe(2);
    expect(seen.map((s) => s.sql)).toEqual([
      'UPDATE t SET n = n + 1 RETURNING n',
      'SELECT n FROM t',
    ]);
    expect(await client.migrate([])).toEqual([]);
  });

  it('refuses what D1 cannot do instead of pretending', async () => {
    const { d1 } = fakeD1({ columns: [], rows: [] });
    const client = createD1Client(d1);
    await expect(client.execute({ sql: 'SELECT :a', args: { a: 1 } })).rejects.toThrow(
      /positional/,
    );
    expect(() => client.transaction('write')).toThrow(/not available on D1/);
  });
});
