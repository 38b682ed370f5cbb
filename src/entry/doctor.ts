import { accessSync, constants, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { openDatabase } from '../db/client.js';
import { pendingMigrations } from '../db/migrate.js';
import type { Logger } from '../core/ports/logger.js';
import type { Config } from './config/config.js';
import { checkHost, LOCAL_HOST, type HostTarget } from './host-checks.js';
import { readMigrations } from './migrations.js';
import { createHostTransports } from './runner-wiring.js';

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

// SSH's own connect timeout (10 s) plus the probe's (10 s), with room to spare: a host that
// hangs somewhere else still cannot keep doctor from answering.
const HOSTS_DEADLINE_MS = 25_000;

/** Every host at once, `local` first, each reported even when it never answers. */
async function checkHosts(config: Config): Promise<Check[]> {
  const setupErrors = new Map<string, string>();
  const log: Logger = {
    info: () => {},
    warn: () => {},
    error: (_message, fields) => {
      if (typeof fields?.['host'] === 'string') {
        setupErrors.set(fields['host'], String(fields['error']));
      }
    },
  };
  const transports = createHostTransports(config, log);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), HOSTS_DEADLINE_MS);
  });
  const one = async (host: HostTarget): Promise<Check[]> => {
    const transport = transports.transportFor(host.name);
    if (!transport) {
      const why = setupErrors.get(host.name) ?? 'no transport';
      return [{ ok: false, label: `${host.name} config`, detail: `cannot set up SSH: ${why}` }];
    }
    const checks = await Promise.race([checkHost(host, transport), deadline]);
    return checks === 'late'
      ? [
          {
            ok: false,
            label: `${host.name} reachable`,
            detail: `no answer within ${HOSTS_DEADLINE_MS / 1000} s`,
          },
        ]
      : checks;
  };
  try {
    const results = await Promise.all([LOCAL_HOST, ...config.hosts].map(one));
    return results.flat();
  } finally {
    clearTimeout(timer);
    await transports.closeAll();
  }
}

export async function runDoctor(config: Config): Promise<Check[]> {
  const source = config.configFile ?? 'built-in defaults (no SWITCHBOARD_CONFIG)';
  const [database, hosts] = await Promise.all([checkDatabase(config), checkHosts(config)]);
  return [
    { ok: true, label: 'config valid', detail: source },
    checkDataDir(config.dataDir),
    ...database,
    ...hosts,
  ];
}

/** Where MCP clients connect, and how to add it to Claude.ai and Claude Code. */
export function mcpConnectHelp(config: Config): string {
  const base = config.publicUrl ?? `http://${config.host}:${config.port}`;
  const url = `${base}/mcp`;
  return [
    `MCP endpoint: ${url}`,
    config.publicUrl
      ? '  Claude.ai: Settings → Connectors → Add custom connector, paste this URL, Connect; an owner taps Allow on the card the bot sends (OAuth, no token to copy).'
      : '  Claude.ai needs a public HTTPS URL: set public_url in the config (behind a TLS proxy or tunnel).',
    `  Claude Code: claude mcp add --transport http switchboard ${url} --header "Authorization: Bearer <token>"`,
    '  (a token from: switchboard token create --name claude-code --role approver)',
  ].join('\n');
}

export const formatChecks = (checks: readonly Check[]): string =>
  checks.map((c) => `${c.ok ? '✓' : '✗'} ${c.label}: ${c.detail}`).join('\n');
