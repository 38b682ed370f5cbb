import { createClient } from '@libsql/client/web';
import { drizzle } from 'drizzle-orm/libsql/web';
import pkg from '../../package.json' with { type: 'json' };
import type { Logger } from '../core/ports/logger.js';
import type { Database } from '../db/client.js';
import { createD1Client, type D1DatabaseLike } from '../db/d1-client.js';
import * as schema from '../db/schema.js';
import { formatConfigError } from './config/config-error.js';
import { loadWorkerConfig, type WorkerDatabase } from './config/worker-config.js';
import { createWorkerGateway, type WaitUntil, type WorkerGateway } from './worker-gateway.js';

/**
 * The gateway on Cloudflare Workers (wrangler.toml): webhook-mode Telegram, /mcp, /api, the
 * runner protocol and /health; the PWA's files are served by the [assets] binding before this
 * code runs. Runner services pull work from it; the cron trigger does the periodic upkeep.
 * Nothing here may import Node-only code (ssh2, child_process, net): a test checks the bundle.
 */
export interface WorkerBindings {
  /** The D1 database, unless LIBSQL_URL names a libSQL server. */
  readonly DB?: D1DatabaseLike;
  /** The PWA's files ([assets] binding = "ASSETS"). */
  readonly ASSETS?: { fetch(request: Request): Promise<Response> };
  readonly [name: string]: unknown;
}

// One JSON line per event: what `wrangler tail` and Workers Logs show and can filter on.
const log: Logger = {
  info: (message, fields) => console.log(JSON.stringify({ level: 'info', message, ...fields })),
  warn: (message, fields) => console.warn(JSON.stringify({ level: 'warn', message, ...fields })),
  error: (message, fields) => console.error(JSON.stringify({ level: 'error', message, ...fields })),
};

function openDatabase(kind: WorkerDatabase, env: WorkerBindings): Database {
  if (kind.kind === 'libsql') {
    const client = createClient({
      url: kind.url,
      ...(kind.authToken ? { authToken: kind.authToken } : {}),
    });
    return drizzle(client, { schema });
  }
  if (!env.DB) throw new Error('no D1 binding named DB and no LIBSQL_URL');
  return drizzle(createD1Client(env.DB), { schema });
}

type Built = { readonly ok: true; readonly gateway: WorkerGateway } | { readonly ok: false };

// The composition root keeps one gateway per isolate: config is parsed and the app built once,
// not per request. A bad config is logged once and answered 503 until it is fixed.
let built: Built | null = null;

function gatewayFor(env: WorkerBindings): Built {
  if (built) return built;
  const loaded = loadWorkerConfig(env, pkg.version);
  if (!loaded.ok) {
    log.error(formatConfigError(loaded.error));
    built = { ok: false };
    return built;
  }
  try {
    const db = openDatabase(loaded.value.database, env);
    built = { ok: true, gateway: createWorkerGateway(loaded.value, db, log) };
  } catch (e) {
    log.error('the gateway cannot start', { error: String(e) });
    built = { ok: false };
  }
  return built;
}

const misconfigured = () =>
  Response.json(
    { error: 'misconfigured', message: 'The gateway is not configured; see its logs.' },
    { status: 503 },
  );

export default {
  fetch(request: Request, env: WorkerBindings, ctx: WaitUntil): Promise<Response> | Response {
    // The bot's /login links open /login#secret: no file has that name, so the app's shell is
    // served for it, as the Node gateway does (the secret stays in the fragment, never sent).
    const url = new URL(request.url);
    if (request.method === 'GET' && url.pathname === '/login' && env.ASSETS) {
      return env.ASSETS.fetch(new Request(new URL('/', url), request));
    }
    const g = gatewayFor(env);
    return g.ok ? g.gateway.fetch(request, ctx) : misconfigured();
  },
  scheduled(_controller: unknown, env: WorkerBindings, ctx: WaitUntil): void {
    const g = gatewayFor(env);
    if (g.ok) ctx.waitUntil(g.gateway.maintenance());
  },
};
