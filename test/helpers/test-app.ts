import { createClientRegistry } from '../../src/db/repositories/client-registry.js';
import { createOAuthStore } from '../../src/db/repositories/oauth-store.js';
import { createRunnerRegistry } from '../../src/db/repositories/runner-registry.js';
import { createLibsqlChatStores } from '../../src/db/repositories/chat-stores.js';
import { createWebSessionStore } from '../../src/db/repositories/web-sessions.js';
import { createPushSubscriptionStore } from '../../src/db/repositories/push-subscriptions.js';
import { probeDatabaseHealth } from '../../src/db/health-probe.js';
import type { DatabaseHealth } from '../../src/core/ports/database-health.js';
import type { PushSubscriptions } from '../../src/core/ports/push-subscriptions.js';
import type { HostResolver } from '../../src/core/ports/host-resolver.js';
import { DEFAULT_PUSH_POLICY, type PushHostPolicy } from '../../src/core/push/endpoint-policy.js';
import { createDnsHostResolver } from '../../src/entry/dns-host-resolver.js';
import type { DomainEvent } from '../../src/core/events.js';
import type { Role } from '../../src/core/actor.js';
import type { LoginLinks } from '../../src/core/ports/login-links.js';
import { createEventFeed, type EventFeed } from '../../src/gateway/event-feed.js';
import { DEFAULT_APPROVAL_POLICY } from '../../src/core/approval-policy.js';
import { DEFAULT_BREAKER_LIMITS, type BreakerLimits } from '../../src/core/breaker.js';
import { DEFAULT_LADDER } from '../../src/core/escalation.js';
import type { CoreDeps, Stores } from '../../src/core/deps.js';
import { createFixedClock, type FixedClock } from '../../src/core/fakes/fixed-clock.js';
import {
  createRecordingNotifier,
  type RecordingNotifier,
} from '../../src/core/fakes/recording-notifier.js';
import { createSequentialIds } from '../../src/core/fakes/sequential-ids.js';
import type { IdGen } from '../../src/core/ports/id-gen.js';
import type { Logger } from '../../src/core/ports/logger.js';
import type { Catalog } from '../../src/core/task-draft.js';
import { createLibsqlStores } from '../../src/db/stores.js';
import { createApp } from '../../src/gateway/app.js';
import type { GatewayOptions } from '../../src/gateway/deps.js';
import type { HostDirectory } from '../../src/gateway/host-directory.js';
import { createTempDb, type TempDb } from './temp-db.js';
import { testParam, testTemplate } from './templates.js';
import { TEST_VOCABULARY } from './vocabulary.js';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';
export const BODY_LIMIT_BYTES = 4096;
export const T0 = '2026-01-01T00:00:00.000Z';

export const TEST_CATALOG: Catalog = {
  hosts: ['local', 'build-vm'],
  executors: ['codex', 'claude-sonnet'],
  repos: [{ name: 'api', host: 'build-vm' }],
  templates: [
    testTemplate({
      name: 'deploy',
      triggers: ['deploy'],
      params: [
        testParam({ name: 'service', values: ['klm', 'api', 'web'], default: 'api' }),
        testParam({ name: 'tag' }),
        testParam({ name: 'dry_run', type: 'boolean', default: false }),
      ],
      argv: ['deploy', '--service={{service}}', '--env={{environment}}', '--tag={{tag}}'],
      riskByEnvironment: { dev: 'low', staging: 'medium', production: 'high' },
    }),
  ],
  defaultExecutor: 'codex',
  defaultTimeoutS: 180,
};

export interface LogLine {
  readonly level: 'info' | 'warn' | 'error';
  readonly message: string;
  readonly fields: Record<string, unknown>;
}

export interface RecordingLogger extends Logger {
  readonly lines: LogLine[];
}

export function createRecordingLogger(): RecordingLogger {
  const lines: LogLine[] = [];
  const at =
    (level: LogLine['level']) =>
    (message: string, fields: Record<string, unknown> = {}) => {
      lines.push({ level, message, fields });
    };
  return { lines, info: at('info'), warn: at('warn'), error: at('error') };
}

export interface TestAppOptions {
  /** Where the fixed clock starts. */
  readonly now?: string;
  /** Seconds the gateway has been up when the test starts. */
  readonly uptimeS?: number;
  /** Replace the database probe (the default is the gateway's own, on the real client). */
  readonly probeDatabase?: (db: TempDb) => Promise<DatabaseHealth>;
  /** Change the real stores before the app sees them, e.g. to make one method throw. */
  readonly wrapStores?: (stores: Stores) => Stores;
  /** Replace TEST_CATALOG, e.g. with the shipped templates. */
  readonly catalog?: Catalog;
  /** Replace the readable sequential ids (e.g. where a format needs real UUIDs). */
  readonly ids?: IdGen;
  /** People in the config by name (web sessions act with their role); nobody by default. */
  readonly roleOf?: (name: string) => Role | null;
  /** The gateway's public URL (cookie Secure flag, allowed origins). */
  readonly publicUrl?: string;
  /** Turns /api/push on with this VAPID public key. */
  readonly pushPublicKey?: string;
  /** Push hosts and name resolution for /api/push; the shipped defaults and real DNS if not. */
  readonly pushHosts?: PushHostPolicy;
  readonly pushResolver?: HostResolver;
  /** Hears every domain event, as the listeners of `switchboard start` do. */
  readonly onEvent?: (event: DomainEvent) => void;
  /** The configured spend limits (the defaults otherwise). */
  readonly breakerLimits?: BreakerLimits;
  /** Start over an existing database (a restart); it is left for its creator to dispose. */
  readonly db?: TempDb;
  /** The hosts page's directory (none by default, as in the Worker). */
  readonly hosts?: HostDirectory;
}

export interface TestApp {
  readonly app: ReturnType<typeof createApp>;
  readonly db: TempDb;
  readonly core: CoreDeps;
  /** The unwrapped libSQL stores, for reading back real state. */
  readonly stores: Stores;
  readonly clock: FixedClock;
  readonly notifier: RecordingNotifier;
  readonly log: RecordingLogger;
  /** The /login links the bot would make, and the web app's event feed. */
  readonly logins: LoginLinks;
  readonly events: EventFeed;
  /** The web app's push subscriptions (libSQL). */
  readonly pushSubscriptions: PushSubscriptions;
  /** A request with no credentials. */
  raw(path: string, init?: RequestInit): Promise<Response>;
  /** A request with the admin bearer token. */
  call(path: string, init?: RequestInit): Promise<Response>;
  /** An authenticated request with a JSON body. */
  send(method: string, path: string, body: unknown): Promise<Response>;
  dispose(): void;
}

/** The real gateway over a real migrated libSQL file, with a clock and ids a test controls. */
export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const db = options.db ?? (await createTempDb());
  const clock = createFixedClock(options.now ?? T0);
  const notifier = createRecordingNotifier();
  const log = createRecordingLogger();
  const stores = createLibsqlStores(db.db);
  // The web app's stream hears what the recording notifier records, as in `switchboard start`.
  const events = createEventFeed('test');
  const core: CoreDeps = {
    ...(options.wrapStores ? options.wrapStores(stores) : stores),
    clock,
    ids: options.ids ?? createSequentialIds('id'),
    notifier: {
      async notify(event) {
        events.publish(event);
        options.onEvent?.(event);
        await notifier.notify(event);
      },
    },
    policy: DEFAULT_APPROVAL_POLICY,
    catalog: options.catalog ?? TEST_CATALOG,
    vocabulary: TEST_VOCABULARY,
    breakerLimits: options.breakerLimits ?? DEFAULT_BREAKER_LIMITS,
    ladder: DEFAULT_LADDER,
    leaseS: 30,
    maxAttempts: 3,
  };
  const probe = options.probeDatabase;
  const gatewayOptions: GatewayOptions = {
    version: 'test',
    startedAt: new Date(clock.now().getTime() - (options.uptimeS ?? 0) * 1000),
    adminToken: ADMIN_TOKEN,
    bodyLimitBytes: BODY_LIMIT_BYTES,
    ...(options.publicUrl ? { publicUrl: options.publicUrl } : {}),
  };
  const logins = createLibsqlChatStores(db.db).logins;
  const pushSubscriptions = createPushSubscriptionStore(db.db);

  const app = createApp(
    {
      core,
      log,
      probeDatabase: probe ? () => probe(db) : () => probeDatabaseHealth(db.client),
      runners: createRunnerRegistry(db.db),
      clients: createClientRegistry(db.db),
      oauth: createOAuthStore(db.db),
      roleOf: options.roleOf ?? (() => null),
      canAskOwner: false,
      logins,
      sessions: createWebSessionStore(db.db),
      events,
      push: options.pushPublicKey
        ? {
            publicKey: options.pushPublicKey,
            subscriptions: pushSubscriptions,
            pushHosts: options.pushHosts ?? DEFAULT_PUSH_POLICY,
            resolver: options.pushResolver ?? createDnsHostResolver(),
          }
        : null,
      waitForWork: (ms) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
      ...(options.hosts ? { hosts: options.hosts } : {}),
    },
    gatewayOptions,
  );
  const raw = async (path: string, init?: RequestInit) => app.request(path, init);
  const call = async (path: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    headers.set('Authorization', `Bearer ${ADMIN_TOKEN}`);
    return app.request(path, { ...init, headers });
  };
  const send = (method: string, path: string, body: unknown) =>
    call(path, {
      method,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
  return {
    app,
    db,
    core,
    stores,
    clock,
    notifier,
    log,
    logins,
    events,
    pushSubscriptions,
    raw,
    call,
    send,
    dispose: () => (options.db ? undefined : db.dispose()),
  };
}
