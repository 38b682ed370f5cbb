import { createMiddleware } from 'hono/factory';
import type { Actor } from '../../core/actor.js';
import type { ClientRegistry } from '../../core/ports/client-registry.js';
import { constantTimeEqual } from '../constant-time.js';
import { hashToken } from '../token-hash.js';
import type { GatewayEnv } from '../deps.js';
import { errorBody } from '../http-errors.js';

/** An MCP client holding the admin token: an owner, on the mcp channel (for audit and policy). */
export const MCP_ADMIN_ACTOR: Actor = { id: 'mcp:admin', role: 'owner', channel: 'mcp' };

const BEARER = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/;

/**
 * Bearer auth for /mcp: the admin token, or a client's own token (`switchboard token create
 * --role owner|approver|viewer`), which acts with that client's role. A refusal carries the
 * WWW-Authenticate challenge MCP clients expect.
 */
export function mcpAuth(adminToken: string, clients: ClientRegistry, now: () => Date) {
  return createMiddleware<GatewayEnv>(async (c, next) => {
    const presented = BEARER.exec(c.req.header('authorization') ?? '')?.[1];
    let actor: Actor | null = null;
    if (presented && constantTimeEqual(presented, adminToken)) actor = MCP_ADMIN_ACTOR;
    else if (presented) {
      // Looked up by hash: the stored value is never compared byte by byte with the secret.
      const client = await clients.findByTokenHash(await hashToken(presented));
      if (client) {
        actor = { id: `client:${client.name}`, role: client.role, channel: 'mcp' };
        await clients.touch(client.id, now().toISOString());
      }
    }
    if (!actor) {
      c.header('WWW-Authenticate', 'Bearer error="invalid_token"');
      return c.json(errorBody('unauthorized', 'Unauthorized.'), 401);
    }
    c.set('actor', actor);
    await next();
  });
}
