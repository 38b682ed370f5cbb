import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HostResolver } from '../../src/core/ports/host-resolver.js';
import { SILENT_LOGGER } from '../../src/core/ports/logger.js';
import { formatConfigError, loadConfig } from '../../src/entry/config/load-config.js';
import { startSwitchboard, type RunningSwitchboard } from '../../src/entry/node.js';

export interface InProcessOptions {
  /** Holds switchboard.yaml (written from `yaml`) and the data dir; HOME for the commands. */
  readonly dir: string;
  readonly yaml: string;
  readonly adminToken: string;
  /** PATH of the gateway and of commands on host `local`. */
  readonly path?: string;
  readonly version?: string;
  /** More environment, e.g. TELEGRAM_BOT_TOKEN and TELEGRAM_API_ROOT. */
  readonly env?: Readonly<Record<string, string>>;
  /** Name resolution for push hosts, in place of the machine's DNS. */
  readonly resolver?: HostResolver;
}

/** Switchboard as `switchboard start` runs it — config file, data dir, PORT 0 — in this process. */
export async function startInProcess(o: InProcessOptions): Promise<RunningSwitchboard> {
  writeFileSync(join(o.dir, 'switchboard.yaml'), o.yaml);
  const config = loadConfig({
    env: {
      PORT: '0',
      SWITCHBOARD_DATA_DIR: join(o.dir, 'data'),
      SWITCHBOARD_CONFIG: join(o.dir, 'switchboard.yaml'),
      SWITCHBOARD_ADMIN_TOKEN: o.adminToken,
      PATH: o.path ?? '/usr/bin:/bin',
      HOME: o.dir,
      ...o.env,
    },
    cwd: o.dir,
    version: o.version ?? 'test',
    readFile: (p) => readFileSync(p, 'utf8'),
  });
  if (!config.ok) throw new Error(formatConfigError(config.error));
  return startSwitchboard(
    config.value,
    process.env.SWITCHBOARD_TEST_LOG ? consoleLogger : SILENT_LOGGER,
    o.resolver ? { resolver: o.resolver } : {},
  );
}

// SWITCHBOARD_TEST_LOG=1 shows the app's log while debugging a test.
const consoleLogger = {
  info: (m: string, f?: object) => console.log('info', m, f ?? ''),
  warn: (m: string, f?: object) => console.log('warn', m, f ?? ''),
  error: (m: string, f?: object) => console.log('error', m, f ?? ''),
};

const UNSETTLED = ['queued', 'running', 'awaiting_approval'];

/** The admin API of a running switchboard, as the tests use it. */
export function adminClient(url: () => string, token: string) {
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const get = async <T = { status: string }>(id: string): Promise<T> =>
    (await (await fetch(`${url()}/api/tasks/${id}`, { headers })).json()) as T;
  return {
    headers,
    async post<T = { id: string; status: string }>(path: string, body: unknown) {
      const res = await fetch(`${url()}${path}`, {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as T };
    },
    get,
    /** Polls the task until it leaves queued / running / awaiting_approval. */
    async settled<T extends { status: string }>(id: string, timeoutMs = 20_000): Promise<T> {
      for (const end = Date.now() + timeoutMs; Date.now() < end;) {
        const task = await get<T>(id);
        if (!UNSETTLED.includes(task.status)) return task;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`task ${id} did not finish: ${JSON.stringify(await get(id))}`);
    },
  };
}
