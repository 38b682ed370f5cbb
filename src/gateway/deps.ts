import type { Update } from 'grammy/types';
import type { Context } from 'hono';
import type { Actor, Role } from '../core/actor.js';
import type { CoreDeps } from '../core/deps.js';
import type { Logger } from '../core/ports/logger.js';
import type { DatabaseHealth } from '../core/ports/database-health.js';
import type { ClientRegistry } from '../core/ports/client-registry.js';
import type { OAuthStore } from '../core/ports/oauth-store.js';
import type { LoginLinks } from '../core/ports/login-links.js';
import type { RunnerRegistry } from '../core/ports/runner-registry.js';
import type { RunnerIdentity } from '../core/runner-identity.js';
import type { WebSessions } from '../core/ports/web-sessions.js';
import type { WebSession } from '../core/web/session.js';
import type { EventFeed } from './event-feed.js';
import type { PushRouteDeps } from './routes/push.js';
import type { HostDirectory } from './host-directory.js';
import type { StaticAssets } from './web/static-assets.js';

export interface GatewayDeps {
  readonly core: CoreDeps;
  readonly log: Logger;
  /** Whether the database answers a read and takes a write (/health). */
  probeDatabase(): Promise<DatabaseHealth>;
  readonly runners: RunnerRegistry;
  /** Programs with their own static tokens (MCP clients, scripts). */
  readonly clients: ClientRegistry;
  /** The OAuth server's clients, consent grants and tokens. */
  readonly oauth: OAuthStore;
  /** A configured person's current role by name (OAuth tokens act for the owner who allowed). */
  roleOf(name: string): Role | null;
  /** A bot is running and some owner can be asked (OAuth consent). */
  readonly canAskOwner: boolean;
  /**
   * The address the request came from, as the runtime knows it (the socket on Node,
   * CF-Connecting-IP on Workers); never a header a client could set. For per-source limits.
   */
  readonly sourceAddress?: ((c: Context) => string | null) | undefined;
  /** Resolves when work may have been queued, or after `ms`, or when `signal` aborts. */
  waitForWork(ms: number, signal: AbortSignal): Promise<void>;
  /** The bot's one-time /login links, spent by the web app's sign-in. */
  readonly logins: LoginLinks;
  /** The web app's sessions (cookie secrets stored hashed). */
  readonly sessions: WebSessions;
  /** Recent domain events for /api/events (Server-Sent Events, resumable). */
  readonly events: EventFeed;
  /** Configured hosts and their probes (Node only); absent where hosts cannot be reached. */
  readonly hosts?: HostDirectory | null | undefined;
  /** The PWA's files; absent means no web app is served (e.g. an API-only deployment). */
  readonly assets?: StaticAssets | null | undefined;
  /** Web Push for the PWA; absent or null when it is off. */
  readonly push?: PushRouteDeps | null | undefined;
  /** Present when the bot runs in webhook mode. */
  readonly telegram?: TelegramWebhook | null | undefined;
}

/** The Telegram webhook's side of the gateway: the secret, and the intake that stores updates. */
export interface TelegramWebhook {
  readonly secret: string;
  accept(update: Update): Promise<boolean>;
}

export interface GatewayOptions {
  readonly version: string;
  readonly startedAt: Date;
  readonly adminToken: string;
  readonly bodyLimitBytes: number;
  /** The gateway's public base URL, when it has one (MCP origin checks). */
  readonly publicUrl?: string | null | undefined;
  /** The HOST it listens on: a name there is a legitimate Host header (MCP rebinding checks). */
  readonly listenHost?: string | null | undefined;
  /** Key of agents' per-task permission tokens; the admin token when not set. */
  readonly agentTokenSecret?: string | undefined;
  /** How long an agent's tool-use request waits for a tap (s), and how often it looks (ms). */
  readonly permissionTimeoutS?: number | undefined;
  readonly permissionPollMs?: number | undefined;
  /** The in-process runner's name, when `switchboard start` runs one (shown with the runners). */
  readonly embeddedRunner?: string | null | undefined;
}

/** Per-request values set by middleware. */
export interface GatewayEnv {
  Variables: {
    actor: Actor;
    requestId: string;
    /** Set when the request was authenticated by a web session cookie. */
    session: WebSession;
    /** Set on /runner/v1: the runner whose token made the request (and the hosts it serves). */
    runner: RunnerIdentity;
  };
}
