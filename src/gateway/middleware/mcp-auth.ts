import { createMiddleware } from 'hono/factory';
import type { Actor } from '../../core/actor.js';
import { constantTimeEqual } from '../constant-time.js';
import type { GatewayEnv } from '../deps.js';
import { errorBody } from '../http-errors.js';

/** An MCP client holding the admin token: an owner, on the mcp channel (for audit and policy). */
export const MCP_ADMIN_ACTOR: Actor = { id: 'mcp:admin', role: 'owner', channel: 'mcp' };

const BEARER = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/;

/** Bearer auth for /mcp; a refusal carries the WWW-Authenticate challenge MCP clients expect. */
export function mcpAuth(adminToken: string) {
  return createMiddleware<GatewayEnv>(async (c, next) => {
    const presented = BEARER.exec(c.req.header('authorization') ?? '')?.[1];
    if (!presented || !constantTimeEqual(presented, adminToken)) {
      c.header('WWW-Authenticate', 'Bearer error="invalid_token"');
      return c.json(errorBody('unauthorized', 'Unauthorized.'), 401);
    }
    c.set('actor', MCP_ADMIN_ACTOR);
    await next();
  });
}
