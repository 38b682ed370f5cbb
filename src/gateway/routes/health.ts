import { Hono } from 'hono';
import { getSystemStatus } from '../../core/use-cases/get-system-status.js';
import type { GatewayDeps, GatewayEnv, GatewayOptions } from '../deps.js';
import { presentBreaker } from '../presenters.js';

/**
 * GET /health: no auth, never a secret; 503 when the database does not answer or refuses
 * writes (a read-only database would take requests and then fail every state change).
 */
export function createHealthRoute(deps: GatewayDeps, options: GatewayOptions) {
  return new Hono<GatewayEnv>().get('/', async (c) => {
    const uptimeS = Math.max(
      0,
      Math.round((deps.core.clock.now().getTime() - options.startedAt.getTime()) / 1000),
    );
    const db = await deps.probeDatabase();
    const dbOk = db === 'ok';
    const status = dbOk ? await getSystemStatus({ deps: deps.core }).catch(() => null) : null;
    const healthy = dbOk && status !== null;
    return c.json(
      {
        status: healthy ? 'ok' : 'degraded',
        version: options.version,
        uptime_s: uptimeS,
        db: db === 'ok' ? 'ok' : db === 'read_only' ? 'read_only' : 'error',
        queue_depth: status?.queueDepth ?? null,
        breakers: status?.breakers.map(presentBreaker) ?? [],
      },
      healthy ? 200 : 503,
    );
  });
}
