import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type DatabaseHandle, type DatabaseOptions } from '../../src/db/client.js';
import { applyMigrations } from '../../src/db/migrate.js';
import { readMigrations } from '../../src/entry/migrations.js';

export interface TempDb extends DatabaseHandle {
  readonly dir: string;
  readonly path: string;
  dispose(): void;
}

export const makeTempDir = (prefix = 'switchboard-test-'): string =>
  mkdtempSync(join(tmpdir(), prefix));

/** A fresh, migrated libSQL file in its own temp folder. */
export async function createTempDb(driver: DatabaseOptions['driver'] = 'auto'): Promise<TempDb> {
  const dir = makeTempDir();
  const path = join(dir, 'switchboard.db');
  const handle = await openDatabase({ url: `file:${path}`, driver });
  await applyMigrations(handle.client, readMigrations());
  return {
    ...handle,
    dir,
    path,
    dispose() {
      handle.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
