import { localFilePath, openDatabase, type DatabaseHandle } from '../db/client.js';
import { applyMigrations } from '../db/migrate.js';
import type { Config } from './config/config.js';
import { StartupError, ensureDataDir, privateDatabaseFile } from './data-dir.js';
import { readMigrations } from './migrations.js';

// Apart from node.ts so the short commands (token, migrate, task) load only the database,
// not the gateway, bot and runner: the CLI starts in a fraction of the time.
export async function openMigratedDatabase(
  config: Config,
  options: { readonly backgroundCheckpoints?: boolean } = {},
): Promise<{ handle: DatabaseHandle; applied: number }> {
  // Every command that opens the embedded file (start, migrate, token, task) needs its dir.
  if (config.database.url.startsWith('file:')) ensureDataDir(config.dataDir);
  let handle: DatabaseHandle;
  try {
    const file = localFilePath(config.database.url);
    if (file) privateDatabaseFile(file);
    handle = await openDatabase({
      url: config.database.url,
      authToken: config.database.authToken,
      backgroundCheckpoints: options.backgroundCheckpoints,
    });
  } catch (cause) {
    throw new StartupError(
      `cannot open database ${config.database.url}: ${(cause as Error).message}`,
    );
  }
  try {
    return { handle, applied: await applyMigrations(handle.client, readMigrations()) };
  } catch (cause) {
    handle.close();
    throw new StartupError(
      `cannot migrate database ${config.database.url}: ${(cause as Error).message}`,
    );
  }
}
