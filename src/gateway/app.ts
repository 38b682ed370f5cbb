import { Hono, type Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { bodyLimit } from 'hono/body-limit';
import { except } from 'hono/combine';
import { HTTPException } from 'hono/http-exception';
import { addressBucket } from '../core/net/address-ranges.js';
import { requestId } from 'hono/request-id';
import { secureHeaders } from 'hono/secure-headers';
import type { GatewayDeps, GatewayEnv, GatewayOptions } from './deps.js';
import { errorBody } from './http-errors.js';
import { apiAuth } from './middleware/api-auth.js';
import { createAuthRoutes } from './routes/auth.js';
import { createConsentRoutes } from './routes/consents.js';
import { createEventsRoute } from './routes/events.js';
import { createHostRoutes } from './routes/hosts.js';
import { createPushRoutes } from './routes/push.js';
import { createPwaRoutes } from './routes/pwa.js';
import { createSpendRoute } from './routes/spend.js';
import { createTaskResultRoutes } from './routes/task-result.js';
import { createHealthRoute } from './routes/health.js';
import { createParseRoute } from './routes/parse.js';
import { createTaskRoutes } from './routes/tasks.js';
import { createBreakerRoutes } from './routes/breakers.js';
import { createRunnerProtocolRoutes, RUNNER_BODY_LIMIT_BYTES } from './routes/runner-protocol.js';
import { runnerAuth } from './middleware/runner-auth.js';
import { createTelegramWebhookRoute, telegramSecret } from './routes/telegram-webhook.js';
import { mcpAuth } from './middleware/mcp-auth.js';
import { createMcpRoute } from './routes/mcp.js';
import { hostCheck, servedNames } from './middleware/host-check.js';
import { mountOAuth } from './oauth/oauth-routes.js';

/**
 * A declared Content-Length is checked by its number (the server will not read past it, so it
 * bounds the body); only a body without one (chunked) is counted as it streams. Counting every
 * body made Hono build a web stream per request and cost the webhook ~40% of its throughput.
 */
const limitBody = (maxSize: number) => {
  const tooLarge = (c: Context) =>
    c.json(errorBody('payload_too_large', `The body is larger than ${maxSize} bytes.`), 413);
  const streamed = bodyLimit({ maxSize, onError: tooLarge });
  return createMiddleware(async (c, next) => {
    const declared = c.req.header('content-length');
    if (declared === undefined || c.req.header('transfer-encoding')) return streamed(c, next);
    if (!/^\d{1,15}$/.test(declared))
      return c.json(errorBody('bad_request', 'Bad Content-Length.'), 400);
    if (Number(declared) > maxSize) return tooLarge(c);
    await next();
  });
};

/** The HTTP face of Switchboard. Runtime-neutral: Node serves it today, Workers later. */
export function createApp(deps: GatewayDeps, options: GatewayOptions) {
  const app = new Hono<GatewayEnv>();
  // Telegram's webhook comes first: its only client is the Bot API, which has no use for
  // request ids or browser security headers, and it is the one hot path (every chat update).
  // It still gets the body limit; its own route checks the secret before reading the body.
  if (deps.telegram) {
    // The secret first: a stranger's chunked body is refused before any of it is read.
    app.use('/telegram/webhook', telegramSecret(deps.telegram.secret));
    app.use('/telegram/webhook', limitBody(options.bodyLimitBytes));
    app.route('/telegram/webhook', createTelegramWebhookRoute(deps.telegram, deps.log));
  }
  // Our own id on every request: a caller's X-Request-Id is not trusted into the logs.
  app.use(requestId({ headerName: '' }));
  app.use(async (c, next) => {
    c.header('X-Request-Id', c.get('requestId'));
    await next();
  });
  app.use(secureHeaders());
  // Runner reports carry stored output and get a larger limit, checked after their auth.
  app.use(except(['/runner/v1/*', '/telegram/webhook'], limitBody(options.bodyLimitBytes)));
  app.route('/health', createHealthRoute(deps, options));
  const publicUrl = options.publicUrl ?? null;
  app.route(
    '/auth',
    createAuthRoutes({
      core: deps.core,
      logins: deps.logins,
      sessions: deps.sessions,
      roleOf: deps.roleOf,
      adminToken: options.adminToken,
      publicUrl,
    }),
  );
  app.use(
    '/api/*',
    apiAuth({
      adminToken: options.adminToken,
      sessions: deps.sessions,
      roleOf: deps.roleOf,
      now: () => deps.core.clock.now(),
      publicUrl,
    }),
  );
  app.route('/api/tasks', createTaskRoutes(deps.core));
  app.route('/api/tasks', createTaskResultRoutes(deps.core));
  app.route('/api/events', createEventsRoute(deps.events));
  app.route('/api/spend', createSpendRoute(deps.core));
  app.route('/api/oauth/grants', createConsentRoutes(deps.core, deps.oauth));
  app.route(
    '/api',
    createHostRoutes(deps.core, deps.hosts ?? null, deps.runners, options.embeddedRunner ?? null),
  );
  app.route('/api/parse', createParseRoute(deps.core));
  app.route('/api/breakers', createBreakerRoutes(deps.core));
  app.route('/api/push', createPushRoutes(deps.core, deps.push ?? null));
  const oauth = {
    core: deps.core,
    oauth: deps.oauth,
    roleOf: deps.roleOf,
    consentAvailable: deps.canAskOwner,
    sourceOf: (c: Context) => {
      const address = deps.sourceAddress?.(c);
      return address ? addressBucket(address) : null;
    },
  };
  const ours = hostCheck(servedNames(publicUrl, options.listenHost ?? null));
  for (const path of ['/mcp', '/.well-known/*', '/register', '/authorize/*', '/token', '/revoke']) {
    app.use(path, ours);
  }
  mountOAuth(app, oauth, publicUrl);
  app.use(
    '/mcp',
    mcpAuth({
      adminToken: options.adminToken,
      clients: deps.clients,
      oauth,
      publicUrl,
      agents: {
        secret: options.agentTokenSecret ?? options.adminToken,
        getTask: (id) => deps.core.tasks.get(id),
      },
    }),
  );
  app.route(
    '/mcp',
    createMcpRoute(deps.core, {
      version: options.version,
      publicUrl,
      permissionTimeoutS: options.permissionTimeoutS,
      permissionPollMs: options.permissionPollMs,
    }),
  );
  app.use(
    '/runner/v1/*',
    runnerAuth(deps.runners, () => deps.core.clock.now()),
    limitBody(RUNNER_BODY_LIMIT_BYTES),
  );
  app.route(
    '/runner/v1',
    createRunnerProtocolRoutes({
      ...deps,
      agentTokenSecret: options.agentTokenSecret ?? options.adminToken,
    }),
  );

  if (deps.assets) app.route('/', createPwaRoutes(deps.assets));

  app.notFound((c) =>
    c.json(errorBody('not_found', `No route for ${c.req.method} ${c.req.path}.`), 404),
  );
  // The one boundary for unexpected failures: log everything, reveal nothing but an id to quote.
  app.onError((error, c) => {
    if (error instanceof HTTPException) {
      if (error.res) return error.res;
      return c.json(
        errorBody(
          error.status === 400 ? 'bad_request' : 'http_error',
          error.message || 'Bad request.',
        ),
        error.status,
      );
    }
    const id = c.get('requestId');
    deps.log.error('request failed', {
      request_id: id,
      method: c.req.method,
      path: c.req.path,
      error: String(error),
      stack: error.stack,
    });
    return c.json(
      errorBody('internal', 'Something went wrong on our side.', { request_id: id }),
      500,
    );
  });
  return app;
}
