import { accessSync, constants, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { openDatabase } from '../db/client.js';
import { pendingMigrations } from '../db/migrate.js';
import type { Config } from './config/config.js';
import { readMigrations } from './migrations.js';

export interface Check {
  readonly ok: boolean;
  readonly label: string;
  readonly detail: string;
}

const writable = (path: string) => {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
};

function checkDataDir(dir: string): Check {
  if (existsSync(dir)) {
    return writable(dir)
      ? { ok: true, label: 'data dir writable', detail: dir }
      : { ok: false, label: 'data dir writable', detail: `${dir} is not writable by this user` };
  }
  return writable(dirname(dir))
    ? { ok: true, label: 'data dir writable', detail: `${dir} (created at first start)` }
    : { ok: false, label: 'data dir writable', detail: `cannot create ${dir}` };
}

/** Read-only checks; a missing database is reported, never created. */
async function checkDatabase(config: Config): Promise<Check[]> {
  const url = config.database.url;
  if (url.startsWith('file:') && !existsSync(url.slice('file:'.length))) {
    return [
      {
        ok: false,
        label: 'database reachable',
        detail: `${url} does not exist yet: run \`switchboard migrate\` or start once`,
      },
    ];
  }
  let handle;
  try {
    handle = await openDatabase({ url, authToken: config.database.authToken });
    await handle.client.execute('SELECT 1');
  } catch (e) {
    handle?.close();
    return [{ ok: false, label: 'database reachable', detail: `${url}: ${(e as Error).message}` }];
  }
  try {
    const all = readMigrations();
    const pending = await pendingMigrations(handle.client, all);
    return [
      { ok: true, label: 'database reachable', detail: url },
      pending.length === 0
        ? {
            ok: true,
            label: 'database migrated',
            detail: `${all.length} of ${all.length} migrations applied`,
          }
        : {
            ok: false,
            label: 'database migrated',
            detail: `${pending.length} pending: run \`switchboard migrate\``,
          },
    ];
  } finally {
    handle.close();
  }
}

export async function runDoctor(config: Config): Promise<Check[]> {
  const source = config.configFile ?? 'built-in defaults (no SWITCHBOARD_CONFIG)';
  return [
    { ok: true, label: 'config valid', detail: source },
    checkDataDir(config.dataDir),
    ...(await checkDatabase(config)),
  ];
}

export const formatChecks = (checks: readonly Check[]): string =>
  checks.map((c) => `${c.ok ? '✓' : '✗'} ${c.label}: ${c.detail}`).join('\n');
