import Database from 'libsql';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../src/db/client.js';
import { makeTempDir } from '../helpers/temp-db.js';

const insert = (id: number, v: string) => ({
  sql: 'INSERT INTO t (id, v) VALUES (?, ?)',
  args: [id, v],
});

/**
 * Frames written to the WAL since it last started over, read by another connection. Its PASSIVE
 * checkpoint also copies them all, so the next write starts the WAL over: calls in a row measure
 * what was written between them.
 */
function walFrames(path: string): number {
  const other = new Database(path);
  try {
    const [row] = other.prepare('PRAGMA wal_checkpoint(PASSIVE)').raw(true).all() as number[][];
    return row?.[1] ?? -1;
  } finally {
    other.close();
  }
}

describe('the local client commits writes in groups', () => {
  let handle: DatabaseHandle | undefined;
  afterEach(() => {
    handle?.close();
    handle = undefined;
  });

  async function open(options: { backgroundCheckpoints?: boolean } = {}) {
    const path = join(makeTempDir(), 'commits.db');
    handle = await openDatabase({ url: `file:${path}`, ...options });
    await handle.client.execute('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)');
    return { client: handle.client, path };
  }

  it('keeps each batch atomic: a failing batch in a group is undone alone, the others commit', async () => {
    const { client } = await open();
    await client.execute(insert(1, 'seed'));
    const [a, b, c] = await Promise.allSettled([
      client.batch([insert(2, 'a'), insert(3, 'a')], 'write'),
      // Its second statement hits the primary key: its first must not survive either.
      client.batch([insert(4, 'b'), insert(1, 'b')], 'write'),
      client.execute(insert(5, 'c')),
    ]);
    expect(a.status).toBe('fulfilled');
    expect(b).toMatchObject({
      status: 'rejected',
      reason: { code: expect.stringMatching(/CONSTRAINT/) },
    });
    expect(c).toMatchObject({ status: 'fulfilled', value: { rowsAffected: 1 } });
    const rows = await client.execute('SELECT id, v FROM t ORDER BY id');
    expect(rows.rows.map((r) => [r.id, r.v])).toEqual([
      [1, 'seed'],
      [2, 'a'],
      [3, 'a'],
      [5, 'c'],
    ]);
  });

  it('applies batches in the order they were sent, and returns each its own results', async () => {
    const { client } = await open();
    const sent = Array.from({ length: 20 }, (_, i) =>
      client.batch(
        [
          {
            sql: 'INSERT INTO t (id, v) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET v = excluded.v',
            args: [`v${i}`],
          },
          { sql: 'SELECT v FROM t WHERE id = 1', args: [] },
        ],
        'write',
      ),
    );
    const results = await Promise.all(sent);
    expect(results.map((r) => r[1]?.rows[0]?.v)).toEqual(sent.map((_, i) => `v${i}`));
    expect((await client.execute('SELECT v FROM t')).rows[0]?.v).toBe('v19');
  });

  it('writes a group sent in one turn with one commit: the WAL grows by far less than one commit each', async () => {
    const { client, path } = await open();
    walFrames(path);
    for (let i = 0; i < 50; i++) await client.execute(insert(i, 'one by one'));
    const oneByOne = walFrames(path);
    await Promise.all(
      Array.from({ length: 50 }, (_, i) => client.execute(insert(100 + i, 'grouped'))),
    );
    const grouped = walFrames(path);
    expect(oneByOne).toBeGreaterThanOrEqual(50);
    expect(grouped).toBeLessThan(oneByOne / 10);
    expect((await client.execute('SELECT count(*) AS n FROM t')).rows[0]?.n).toBe(100);
  });

  it('commits writes still queued when the client closes', async () => {
    const { client, path } = await open();
    const pending = client.execute(insert(7, 'last words'));
    handle?.close();
    handle = undefined;
    await expect(pending).resolves.toMatchObject({ rowsAffected: 1 });
    const reopened = new Database(path);
    expect(reopened.prepare('SELECT v FROM t WHERE id = 7').get()).toMatchObject({
      v: 'last words',
    });
    reopened.close();
  });

  it('with background checkpoints, keeps the WAL small under many commits', async () => {
    const { client, path } = await open({ backgroundCheckpoints: true });
    // 2,000 commits of a page or more each. SQLite's own checkpoint is moved to 10,000 pages,
    // so only the worker's checkpoints (every 100 ms) let the WAL start over; the pauses give
    // it quiet moments to finish one, as a server has between bursts.
    for (let i = 0; i < 2_000; i++) {
      await client.execute(insert(i, 'x'.repeat(100)));
      if (i % 250 === 249) await sleep(150);
    }
    await sleep(250);
    await client.execute(insert(10_000, 'after the last checkpoint'));
    expect(walFrames(path)).toBeLessThan(100);
    // The file is reused from its start, never shrunk: its size is the most it ever held.
    expect(statSync(`${path}-wal`).size).toBeLessThan(1_200 * 4_120);
  });
});
