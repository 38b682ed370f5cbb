import { createMiddleware } from 'hono/factory';
import type { RunnerRegistry } from '../../core/ports/runner-registry.js';
import type { GatewayEnv } from '../deps.js';
import { errorBody } from '../http-errors.js';
import { hashToken } from '../token-hash.js';

const BEARER = /^Bearer ([A-Za-z0-9._~+/=-]{16,256})$/;

/**
 * A runner service authenticates with its own token, looked up by hash (so a leaked database
 * leaks no usable token). The runner acts as itself: its id is the lease owner.
 */
export function runnerAuth(registry: RunnerRegistry, now: () => Date) {
  return createMiddleware<GatewayEnv>(async (c, next) => {
    const token = BEARER.exec(c.req.header('Authorization') ?? '')?.[1];
    const runner = token ? await registry.findByTokenHash(await hashToken(token)) : null;
    if (!runner) return c.json(errorBody('unauthorized', 'Unauthorized.'), 401);
    c.set('actor', { id: runner.id, role: 'runner', channel: 'runner' });
    c.set('runner', runner);
    void registry.touch(runner.id, now().toISOString()).catch(() => {});
    await next();
  });
}
