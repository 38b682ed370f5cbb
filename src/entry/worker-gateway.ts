import { createBot } from '../bot/create-bot.js';
import { createUpdateIntake } from '../bot/intake.js';
import { SYSTEM_ACTOR } from '../core/actor.js';
import type { CoreDeps } from '../core/deps.js';
import type { DomainEvent } from '../core/events.js';
import type { Logger } from '../core/ports/logger.js';
import { expireOverduePermissions } from '../core/use-cases/expire-overdue-permissions.js';
import { expireStaleApprovals } from '../core/use-cases/expire-stale-approvals.js';
import { expireLapsedConsents } from '../core/use-cases/oauth-consent.js';
import { reapExpiredLeases } from '../core/use-cases/reap-expired-leases.js';
import type { Database } from '../db/client.js';
import { probeDatabaseHealth } from '../db/health-probe.js';
import { createLibsqlChatStores } from '../db/repositories/chat-stores.js';
import { createClientRegistry } from '../db/repositories/client-registry.js';
import { createOAuthStore } from '../db/repositories/oauth-store.js';
import { createRunnerRegistry } from '../db/repositories/runner-registry.js';
import { createWebSessionStore } from '../db/repositories/web-sessions.js';
import { createLibsqlStores } from '../db/stores.js';
import { createApp } from '../gateway/app.js';
import { createEventFeed } from '../gateway/event-feed.js';
import { coreSettingsOf } from './core-settings.js';
import type { WorkerConfig } from './config/worker-config.js';
import { createLadderDriver } from './ladder-driver.js';
import { createPipelineDriver } from './pipeline-driver.js';
import { createLogNotifier, systemClock, uuidV7Ids } from './system-ports.js';

/** What the Worker runtime hands a request (ExecutionContext), as far as it is used here. */
export interface WaitUntil {
  waitUntil(promise: Promise<unknown>): void;
}

/**
 * Sends and renders that follow a request (a reply card, the edit after a report) finish in
 * waitUntil, bounded: a Bot API that hangs must not keep the isolate. Typical is well under 1 s;
 * the pacing of edits (telegram.edit_interval_ms) is the longest honest wait.
 */
const SETTLE_MAX_MS = 10_000;
/** A claim long-polls by looking again this often: there is no in-memory wake across isolates. */
const CLAIM_POLL_MS = 1_000;
/** A pending update younger than this may still be in hand in another isolate. */
const RESUME_AFTER_MS = 60_000;
const KEEP_UPDATES_MS = 2 * 24 * 3600_000;
/** Telegram's 429s are waited out only this long, inside the settle bound above. */
const MAX_RETRY_AFTER_S = 5;

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });

/**
 * The gateway as a Worker runs it, built once per isolate: the same core, repositories, app and
 * bot as `switchboard start`, without the runner, the polling and the maintenance timer. What a
 * request sets off is awaited in its waitUntil; the cron trigger does the periodic work.
 */
export function createWorkerGateway(wc: WorkerConfig, db: Database, log: Logger) {
  const { config } = wc;
  const listeners: ((event: DomainEvent) => Promise<void> | void)[] = [];
  const chores = new Set<Promise<unknown>>();
  const track = (p: Promise<unknown>) => {
    chores.add(p);
    void p.finally(() => chores.delete(p));
  };
  const logNotifier = createLogNotifier(log);
  const core: CoreDeps = {
    ...createLibsqlStores(db),
    clock: systemClock,
    ids: uuidV7Ids,
    notifier: {
      async notify(event) {
        for (const listen of listeners) {
          const p = listen(event);
          if (p) track(p.catch((e: unknown) => log.warn('notify failed', { error: String(e) })));
        }
        await logNotifier.notify(event);
      },
    },
    ...coreSettingsOf(config),
    // A router runs a CLI on the gateway's machine; a Worker has none.
    intentRouter: null,
  };
  const oauth = createOAuthStore(db);
  const pipelines = createPipelineDriver(core, log);
  listeners.push((event) => pipelines.onEvent(event));
  const ladder = createLadderDriver(core, log);
  listeners.push((event) => ladder.onEvent(event));
  // The web app's live stream sees this isolate's events only: another isolate's, or the
  // cron's, arrive when the page reloads its list (ARCHITECTURE: no shared memory on Workers).
  const events = createEventFeed(uuidV7Ids.next());
  const sessions = createWebSessionStore(db);
  listeners.push((event) => events.publish(event));

  const chatStores = createLibsqlChatStores(db);
  const token = config.telegram.botToken;
  const bot =
    token && wc.telegram
      ? createBot(
          { core, chats: chatStores.chats, logins: chatStores.logins, oauth, log },
          {
            token,
            apiRoot: config.telegram.apiRoot,
            botInfo: wc.telegram.botInfo,
            members: config.users.map((u) => ({
              telegramId: u.telegram_id,
              name: u.name,
              role: u.role,
            })),
            hosts: config.hosts.map((h) => ({ name: h.name, address: h.address })),
            publicUrl: config.publicUrl,
            taskHaltUsd: config.breakers.taskHaltUsd,
            editEveryMs: config.telegram.editEveryMs,
            maxRetryAfterS: MAX_RETRY_AFTER_S,
          },
        )
      : null;
  if (bot) listeners.push((event) => bot.board.notify(event));
  const intake = bot
    ? createUpdateIntake({
        inbox: chatStores.inbox,
        clock: core.clock,
        log,
        handle: (update) => bot.bot.handleUpdate(update),
      })
    : null;

  const app = createApp(
    {
      core,
      log,
      probeDatabase: () => probeDatabaseHealth(db.$client),
      runners: createRunnerRegistry(db),
      clients: createClientRegistry(db),
      oauth,
      roleOf: (name) => config.users.find((u) => u.name === name)?.role ?? null,
      canAskOwner: bot !== null && config.users.some((u) => u.role === 'owner'),
      // Cloudflare sets this from the connection and overwrites what a client sends.
      sourceAddress: (c) => c.req.header('cf-connecting-ip') ?? null,
      telegram:
        intake && wc.telegram
          ? { secret: wc.telegram.secret, accept: (u) => intake.accept(u) }
          : null,
      logins: chatStores.logins,
      sessions,
      events,
      waitForWork: (ms, signal) => sleep(Math.min(ms, CLAIM_POLL_MS), signal),
    },
    {
      version: config.version,
      startedAt: systemClock.now(),
      adminToken: config.adminToken ?? '',
      bodyLimitBytes: config.bodyLimitBytes,
      publicUrl: config.publicUrl,
      permissionTimeoutS: config.permissionTimeoutS,
    },
  );

  /** Everything set off so far has finished (or the bound passed). */
  async function settle() {
    const all = async () => {
      // In the order work flows: a handled update notifies the board, a report the pipelines.
      do {
        await Promise.all([...chores]);
        await intake?.idle();
        await pipelines.idle();
        await bot?.board.idle();
      } while (chores.size > 0);
    };
    await Promise.race([all(), sleep(SETTLE_MAX_MS)]);
  }

  return {
    async fetch(request: Request, ctx: WaitUntil): Promise<Response> {
      const response = await app.fetch(request);
      ctx.waitUntil(settle());
      return response;
    },
    /**
     * The cron trigger: approvals and tool permissions that timed out, leases that expired
     * (reaped to `lost` or requeued), pipelines to move on, updates an evicted isolate left
     * unhandled, and pruning. Breakers need no rollover job: they are keyed by UTC day and month.
     */
    async maintenance(): Promise<void> {
      const now = core.clock.now();
      const results = await Promise.allSettled([
        expireStaleApprovals({ deps: core, actor: SYSTEM_ACTOR, input: {} }),
        expireOverduePermissions({ deps: core }),
        reapExpiredLeases({ deps: core, actor: SYSTEM_ACTOR, input: {} }),
        pipelines.run(),
        ladder.run(),
        expireLapsedConsents({ deps: { ...core, oauth } }),
        oauth.prune(now.toISOString()),
        sessions.prune(now.toISOString()),
        chatStores.inbox.prune(new Date(now.getTime() - KEEP_UPDATES_MS).toISOString()),
        intake?.resume({
          receivedBefore: new Date(now.getTime() - RESUME_AFTER_MS).toISOString(),
        }),
      ]);
      for (const r of results) {
        if (r.status === 'rejected') log.error('maintenance failed', { error: String(r.reason) });
      }
      await settle();
    },
  };
}

export type WorkerGateway = ReturnType<typeof createWorkerGateway>;
