import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { createAdaptorServer } from '@hono/node-server';
import type { Server } from 'node:http';
import { SYSTEM_ACTOR } from '../core/actor.js';
import type { CoreDeps } from '../core/deps.js';
import type { Logger } from '../core/ports/logger.js';
import { LOCAL_HOST } from '../core/runner-identity.js';
import { expireOverduePermissions } from '../core/use-cases/expire-overdue-permissions.js';
import { expireStaleApprovals } from '../core/use-cases/expire-stale-approvals.js';
import { expireLapsedConsents } from '../core/use-cases/oauth-consent.js';
import { reapExpiredLeases } from '../core/use-cases/reap-expired-leases.js';
import { createLibsqlStores } from '../db/stores.js';
import { probeDatabaseHealth } from '../db/health-probe.js';
import { createOAuthStore } from '../db/repositories/oauth-store.js';
import { createClientRegistry } from '../db/repositories/client-registry.js';
import { createRunnerRegistry } from '../db/repositories/runner-registry.js';
import { createLibsqlChatStores } from '../db/repositories/chat-stores.js';
import { createWebSessionStore } from '../db/repositories/web-sessions.js';
import { createEventFeed } from '../gateway/event-feed.js';
import { mintAgentToken } from '../gateway/agent-token.js';
import { createApp } from '../gateway/app.js';
import type { Config } from './config/config.js';
import { coreSettingsOf } from './core-settings.js';
import { createCliIntentRouter } from './intent-router.js';
import { createLadderDriver } from './ladder-driver.js';
import { createPipelineDriver } from './pipeline-driver.js';
import {
  acquireDataDirLock,
  ensureDataDir,
  loadOrCreateAdminToken,
  StartupError,
} from './data-dir.js';
import { openMigratedDatabase } from './open-database.js';
import { createLogNotifier, systemClock, uuidV7Ids } from './system-ports.js';
import type { HostResolver } from '../core/ports/host-resolver.js';
import type { DomainEvent } from '../core/events.js';
import { createRunner } from '../runner/runner.js';
import { createInProcessWorkSource } from '../runner/work-source.js';
import { createHostTransports, runnerSetup } from './runner-wiring.js';
import { createTelegramService } from './telegram-wiring.js';
import { createHostDirectory } from './host-directory.js';
import { createWebAssets } from './web-assets.js';
import { startWebPush } from './web-push-wiring.js';

const MAINTENANCE_EVERY_MS = 5_000;
const DRAIN_MS = 4_000;

export interface RunningSwitchboard {
  readonly url: string;
  readonly adminToken: {
    readonly value: string;
    readonly created: boolean;
    readonly file: string | null;
  };
  readonly migrationsApplied: number;
  /** Stop accepting, let in-flight requests finish (bounded), close the database, unlock. */
  close(): Promise<void>;
}

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      reject(
        e.code === 'EADDRINUSE'
          ? new StartupError(
              `port ${port} on ${host} is already in use (is another switchboard running?)`,
            )
          : new StartupError(`cannot listen on ${host}:${port}: ${e.message}`),
      );
    };
    const onListening = () => {
      server.off('error', onError);
      resolve(server.address() as AddressInfo);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

/**
 * The MCP URL an agent on `host` calls for permission prompts: this process's own listener for
 * host `local`, the public URL for the others; null when a host has no way to reach us.
 */
function agentMcpUrl(host: string | null, address: AddressInfo, publicUrl: string | null) {
  if (host === 'local') {
    const wildcard = address.address === '0.0.0.0' || address.address === '::';
    const ip = wildcard ? '127.0.0.1' : address.address;
    return `http://${ip.includes(':') ? `[${ip}]` : ip}:${address.port}/mcp`;
  }
  return publicUrl ? `${publicUrl}/mcp` : null;
}

/** The one-machine deployment: gateway, maintenance loop and an embedded libSQL file. */
/** What a test may put in place of the machine's own: name resolution for push hosts. */
export interface StartOverrides {
  readonly resolver?: HostResolver;
}

export async function startSwitchboard(
  config: Config,
  log: Logger,
  overrides: StartOverrides = {},
): Promise<RunningSwitchboard> {
  ensureDataDir(config.dataDir);
  const lock = acquireDataDirLock(config.dataDir);
  const cleanups: (() => void)[] = [() => lock.release()];
  const cleanup = () =>
    cleanups
      .splice(0)
      .reverse()
      .forEach((f) => f());
  try {
    const { handle, applied } = await openMigratedDatabase(config, { backgroundCheckpoints: true });
    cleanups.push(() => handle.close());
    const token = loadOrCreateAdminToken(config.dataDir, config.adminToken);
    // The runner exists after the core deps, but hears about their state changes.
    const listeners: ((event: DomainEvent) => void)[] = [];
    // Long-polling runner services wait here; a newly queued task wakes them.
    const workWaiters = new Set<() => void>();
    listeners.push((event) => {
      if (event.type === 'task.changed' && event.task.status === 'queued') {
        for (const wake of [...workWaiters]) wake();
      }
    });
    const logNotifier = createLogNotifier(log);
    const core: CoreDeps = {
      ...createLibsqlStores(handle.db),
      clock: systemClock,
      ids: uuidV7Ids,
      notifier: {
        async notify(event) {
          for (const listen of listeners) listen(event);
          await logNotifier.notify(event);
        },
      },
      ...coreSettingsOf(config),
      intentRouter: createCliIntentRouter(config),
    };
    const oauth = createOAuthStore(handle.db);
    const sessions = createWebSessionStore(handle.db);
    // The PWA's live stream: every event, with ids that say which process numbered them.
    const events = createEventFeed(uuidV7Ids.next());
    listeners.push((event) => events.publish(event));
    const roleOf = (name: string) => config.users.find((u) => u.name === name)?.role ?? null;
    const push = config.webPush.enabled
      ? startWebPush(config, core, roleOf, handle, log, overrides.resolver)
      : null;
    if (push) listeners.push((event) => push.sender.notify(event));
    const embeddedName = `embedded@${hostname()}:${process.pid}`;
    const telegram = createTelegramService(config, core, handle.db, log);
    if (telegram) listeners.push((event) => void telegram.notifier.notify(event));
    const app = createApp(
      {
        core,
        log,
        probeDatabase: () => probeDatabaseHealth(handle.client),
        runners: createRunnerRegistry(handle.db),
        clients: createClientRegistry(handle.db),
        oauth,
        roleOf,
        canAskOwner: telegram !== null && config.users.some((u) => u.role === 'owner'),
        // The peer of the TCP connection: a forwarded-for header is the client's own claim.
        sourceAddress: (c) =>
          (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming
            ?.socket?.remoteAddress ?? null,
        telegram: telegram?.webhook ?? null,
        logins: createLibsqlChatStores(handle.db).logins,
        sessions,
        events,
        hosts: createHostDirectory(config, log, () => systemClock.now()),
        assets: createWebAssets(),
        push: push?.routes ?? null,
        waitForWork: (ms, signal) =>
          new Promise<void>((resolve) => {
            const done = () => {
              clearTimeout(timer);
              workWaiters.delete(done);
              signal.removeEventListener('abort', done);
              resolve();
            };
            const timer = setTimeout(done, ms);
            signal.addEventListener('abort', done, { once: true });
            workWaiters.add(done);
          }),
      },
      {
        version: config.version,
        startedAt: systemClock.now(),
        adminToken: token.token,
        bodyLimitBytes: config.bodyLimitBytes,
        publicUrl: config.publicUrl,
        listenHost: config.host,
        permissionTimeoutS: config.permissionTimeoutS,
        embeddedRunner: config.runner.embedded ? embeddedName : null,
      },
    );
    const server = createAdaptorServer({ fetch: app.fetch }) as Server;
    const address = await listen(server, config.port, config.host);
    const hosts = createHostTransports(config, log);
    const setup = runnerSetup(config, hosts);
    cleanups.push(() => void hosts.closeAll());
    const embeddedWork = createInProcessWorkSource(core, {
      id: embeddedName,
      hosts: [LOCAL_HOST, ...config.hosts.map((h) => h.name)],
    });
    if (config.runner.embedded) hosts.recordSurvivorsWith((r) => embeddedWork.survivorsKilled(r));
    const runner = config.runner.embedded
      ? createRunner(
          {
            work: embeddedWork,
            log,
            ...setup.deps,
            agentMcp: async (task, fencingToken) => {
              const url = agentMcpUrl(task.host, address, config.publicUrl);
              return url
                ? { url, token: await mintAgentToken(token.token, task.id, fencingToken) }
                : {
                    unavailable: `host ${task.host ?? '?'} needs public_url in the config to reach the gateway`,
                  };
            },
          },
          setup.options,
        )
      : null;
    if (runner) {
      listeners.push((event) => {
        if (event.type === 'task.changed') runner.taskChanged(event.task);
      });
      runner.start();
    }
    const pipelines = createPipelineDriver(core, log);
    listeners.push((event) => pipelines.onEvent(event));
    // Resumes pipelines a stop interrupted (their state is in the database).
    void pipelines.run();
    const ladder = createLadderDriver(core, log);
    listeners.push((event) => ladder.onEvent(event));
    void ladder.run();
    if (telegram) await telegram.start();
    const maintenance = setInterval(() => {
      void Promise.all([
        telegram?.maintenance(),
        expireStaleApprovals({ deps: core, actor: SYSTEM_ACTOR, input: {} }),
        expireOverduePermissions({ deps: core }),
        reapExpiredLeases({ deps: core, actor: SYSTEM_ACTOR, input: {} }),
        pipelines.run(),
        ladder.run(),
        expireLapsedConsents({ deps: { ...core, oauth } }),
        oauth.prune(systemClock.now().toISOString()),
        sessions.prune(systemClock.now().toISOString()),
      ]).catch((e: unknown) => log.error('maintenance failed', { error: String(e) }));
    }, MAINTENANCE_EVERY_MS);
    maintenance.unref();
    const host = address.address.includes(':') ? `[${address.address}]` : address.address;
    let closing: Promise<void> | undefined;
    return {
      url: `http://${host}:${address.port}`,
      adminToken: { value: token.token, created: token.created, file: token.file },
      migrationsApplied: applied,
      close: () =>
        (closing ??= new Promise<void>((resolve) => {
          clearInterval(maintenance);
          push?.sender.stop();
          // Open event streams would hold the server's close until the drain timeout.
          events.close();
          // Stop claiming and kill running work (reported as runner_stopped) before the db closes.
          const stopped = (runner ? runner.stop() : Promise.resolve())
            .then(() => pipelines.stop())
            .then(() => ladder.stop())
            .then(() => telegram?.stop());
          const force = setTimeout(() => server.closeAllConnections(), DRAIN_MS);
          server.close(() => {
            clearTimeout(force);
            void stopped.finally(() => {
              cleanup();
              resolve();
            });
          });
          server.closeIdleConnections();
        })),
    };
  } catch (e) {
    cleanup();
    throw e;
  }
}
