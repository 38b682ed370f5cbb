import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunningSwitchboard } from '../../src/entry/node.js';
import { startInProcess } from '../helpers/in-process.js';
import { makeTempDir } from '../helpers/temp-db.js';

const modeOf = (path: string) => statSync(path).mode & 0o777;

describe('the data dir is private to its owner', () => {
  let app: RunningSwitchboard | undefined;
  afterAll(async () => {
    await app?.close();
  });

  it('tightens an existing data dir to 0700 and keeps every file in it 0600', async () => {
    const dir = makeTempDir();
    const data = join(dir, 'data');
    // As an older version, or a hand-made dir under the usual umask, leaves it.
    mkdirSync(join(data, 'output'), { recursive: true, mode: 0o755 });
    writeFileSync(join(data, 'admin-token'), 'sb_left-behind-by-an-older-version\n', {
      mode: 0o644,
    });
    writeFileSync(join(data, 'output', 'old.1.log'), 'x', { mode: 0o644 });
    // Not Switchboard's: a data dir shared with other things keeps their modes.
    writeFileSync(join(data, 'someone-elses.sh'), '#!/bin/sh\n', { mode: 0o755 });
    expect(modeOf(data)).toBe(0o755);

    app = await startInProcess({
      dir,
      adminToken: 'data-dir-admin-token-0123456789',
      yaml: 'users:\n  - { telegram_id: 1001, name: ops, role: owner }\n',
    });
    // The database has written through its WAL by now (migrations).
    expect(modeOf(data)).toBe(0o700);
    expect(modeOf(join(data, 'output'))).toBe(0o700);
    for (const file of [
      'switchboard.db',
      'switchboard.db-wal',
      'switchboard.db-shm',
      'admin-token',
      'vapid-keys.json',
      'switchboard.lock',
    ]) {
      expect([file, modeOf(join(data, file))]).toEqual([file, 0o600]);
    }
    expect(modeOf(join(data, 'someone-elses.sh'))).toBe(0o755);
  });
});
