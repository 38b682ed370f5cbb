import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../src/db/client.js';
import { makeTempDir } from '../helpers/temp-db.js';

// The local client builds rows itself (local-client.ts); drizzle and our repositories read them
// both ways, by index (drizzle's typed queries) and by name (raw reads), as from @libsql/client.
describe('rows from the local client', () => {
  let handle: DatabaseHandle | undefined;
  afterEach(() => {
    handle?.close();
    handle = undefined;
  });

  async function rowsOf(sql: string) {
    handle = await openDatabase({ url: `file:${join(makeTempDir(), 'rows.db')}` });
    await handle.client.execute('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT, b BLOB)');
    await handle.client.batch(
      [
        {
          sql: 'INSERT INTO t (id, v, b) VALUES (?, ?, ?)',
          args: [1, 'one', new Uint8Array([1, 2])],
        },
        { sql: 'INSERT INTO t (id, v, b) VALUES (?, ?, ?)', args: [2, 'two', null] },
      ],
      'write',
    );
    return (await handle.client.execute(sql)).rows;
  }

  it('are array-like by index and carry each column by name, enumerable in column order', async () => {
    const [first, second] = await rowsOf('SELECT id, v, b FROM t ORDER BY id');
    expect(first?.length).toBe(3);
    expect([first?.[0], first?.[1]]).toEqual([1, 'one']);
    expect(Array.prototype.slice.call(first).slice(0, 2)).toEqual([1, 'one']);
    expect(first?.['b']).toBeInstanceOf(ArrayBuffer);
    expect([...new Uint8Array(first?.['b'] as ArrayBuffer)]).toEqual([1, 2]);
    expect(Object.keys(second!)).toEqual(['id', 'v', 'b']);
    expect(JSON.stringify(second)).toBe('{"id":2,"v":"two","b":null}');
    expect({ ...second }).toEqual({ id: 2, v: 'two', b: null });
    expect(first?.[3]).toBeUndefined();
  });

  it('keep a repeated or index-like column name for its first column, the rest by index', async () => {
    const [row] = await rowsOf('SELECT id, v AS id, v AS "0", v AS length FROM t WHERE id = 2');
    expect(row?.['id']).toBe(2);
    expect([row?.[0], row?.[1], row?.[2], row?.[3]]).toEqual([2, 'two', 'two', 'two']);
    expect(row?.length).toBe(4);
    expect(Object.keys(row!)).toEqual(['id']);
  });
});
