import Database from 'libsql';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../src/db/client.js';
import { makeTempDir } from '../helpers/temp-db.js';

describe('the statement-caching local client under a held write lock', () => {
  let handle: DatabaseHandle | undefined;
  afterEach(() => handle?.close());

  it('fails an INSERT … RETURNING cleanly with SQLITE_BUSY, and the connection still commits after', async () => {
    const path = join(makeTempDir(), 'busy.db');
    handle = await openDatabase({ url: `file:${path}`, busyTimeoutMs: 100 });
    const { client } = handle;
    await client.execute('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
    const other = new Database(path, { timeout: 100 });
    other.exec('BEGIN EXCLUSIVE');
    const insert = {
      sql: 'INSERT INTO t (id, v) VALUES (?, ?) ON CONFLICT DO NOTHING RETURNING id',
      args: [1, 'a'],
    };
    await expect(client.execute(insert)).rejects.toMatchObject({
      code: expect.stringMatching(/BUSY/),
    });
    other.exec('ROLLBACK');
    other.close();
    // Without the fix, libsql left the failed statement in progress and this batch's COMMIT failed.
    await client.batch([{ sql: 'INSERT INTO t (id, v) VALUES (?, ?)', args: [2, 'b'] }], 'write');
    expect((await client.execute(insert)).rows.map((r) => r.id)).toEqual([1]);
    expect((await client.execute('SELECT id FROM t ORDER BY id')).rows.map((r) => r.id)).toEqual([
      1, 2,
    ]);
  });
});
