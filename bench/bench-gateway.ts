import { serve, type ServerType } from '@hono/node-server';
import { createLibsqlChatStores } from '../src/db/repositories/chat-stores.js';
import { createWebSessionStore } from '../src/db/repositories/web-sessions.js';
import { createEventFeed } from '../src/gateway/event-feed.js';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { CoreDeps } from '../src/core/deps.js';
import { SILENT_LOGGER } from '../src/core/ports/logger.js';
import { openDatabase, type DatabaseHandle } from '../src/db/client.js';
import { applyMigrations } from '../src/db/migrate.js';
import { createClientRegistry } from '../src/db/repositories/client-registry.js';
import { createOAuthStore } from '../src/db/repositories/oauth-store.js';
import { createRunnerRegistry } from '../src/db/repositories/runner-registry.js';
import { createLibsqlStores } from '../src/db/stores.js';
import { readMigrations } from '../src/entry/migrations.js';
import { createApp } from '../src/gateway/app.js';
import type { TelegramWebhook } from '../src/gateway/deps.js';
import { coreDepsFor } from '../test/helpers/core-deps.js';
import { makeTempDir } from '../test/helpers/temp-db.js';

export interface BenchGateway {
  readonly handle: DatabaseHandle;
  readonly core: CoreDeps;
  readonly app: ReturnType<typeof createApp>;
}

/** The real gateway on a fresh, migrated libSQL file, as the benchmarks drive it. */
export async function benchGateway(
  adminToken: string,
  telegram?: (handle: DatabaseHandle, core: CoreDeps) => TelegramWebhook,
): Promise<BenchGateway> {
  const handle = await openDatabase({ url: `file:${join(makeTempDir(), 'bench.db')}` });
  await applyMigrations(handle.client, readMigrations());
  const core = coreDepsFor(createLibsqlStores(handle.db));
  const app = createApp(
    {
      core,
      log: SILENT_LOGGER,
      probeDatabase: async () => 'ok' as const,
      runners: createRunnerRegistry(handle.db),
      clients: createClientRegistry(handle.db),
      oauth: createOAuthStore(handle.db),
      roleOf: () => null,
      canAskOwner: false,
      waitForWork: async () => {},
      telegram: telegram?.(handle, core) ?? null,
      logins: createLibsqlChatStores(handle.db).logins,
      sessions: createWebSessionStore(handle.db),
      events: createEventFeed('bench'),
    },
    { version: 'bench', startedAt: new Date(), adminToken, bodyLimitBytes: 262_144 },
  );
  return { handle, core, app };
}

/** Serves `fetch` on 127.0.0.1 (a free port); `url` is `path` on it. */
export function listen(
  fetch: (req: Request) => Response | Promise<Response>,
  path: string,
): Promise<{ url: string; server: ServerType }> {
  return new Promise((resolve) => {
    const server = serve({ fetch, hostname: '127.0.0.1', port: 0 }, (info: AddressInfo) =>
      resolve({ url: `http://127.0.0.1:${info.port}${path}`, server }),
    );
  });
}

export const closeServer = (server: ServerType) =>
  new Promise<void>((r) => server.close(() => r()));

/** Runs a load generator (plain JS, so no loader is needed) in a worker thread; its one message. */
export function runWorker<T>(file: URL, workerData: unknown): Promise<T> {
  const worker = new Worker(file, { workerData });
  return new Promise<T>((resolve, reject) => {
    worker.once('message', (m: T) => {
      void worker.terminate();
      resolve(m);
    });
    worker.once('error', reject);
  });
}
