import { createMiddleware } from 'hono/factory';
import type { Actor } from '../../core/actor.js';
import type { ClientRegistry } from '../../core/ports/client-registry.js';
import { agentActor } from '../../core/permission.js';
import type { Task } from '../../core/task.js';
import { isAgentToken, verifyAgentToken } from '../agent-token.js';
import { constantTimeEqual } from '../constant-time.js';
import { hashToken } from '../token-hash.js';
import type { GatewayEnv } from '../deps.js';
import { errorBody } from '../http-errors.js';

/** An MCP client holding the admin token: an owner, on the mcp channel (for audit and policy). */
export const MCP_ADMIN_ACTOR: Actor = { id: 'mcp:admin', role: 'owner', channel: 'mcp' };

const BEARER = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/;

export interface AgentTokenCheck {
  /** The key of per-task agent tokens (see agent-token.ts). */
  readonly secret: string;
  getTask(id: string): Promise<Task | null>;
}

/**
 * Bearer auth for /mcp: the admin token, or a client's own token (`switchboard token create
 * --role owner|approver|viewer`), which acts with that client's role, or an agent's per-task
 * token, valid only while that task runs under that claim. A refusal carries the
 * WWW-Authenticate challenge MCP clients expect.
 */
export function mcpAuth(
  adminToken: string,
  clients: ClientRegistry,
  now: () => Date,
  agents?: AgentTokenCheck,
) {
  return createMiddleware<GatewayEnv>(async (c, next) => {
    const presented = BEARER.exec(c.req.header('authorization') ?? '')?.[1];
    let actor: Actor | null = null;
    if (presented && constantTimeEqual(presented, adminToken)) actor = MCP_ADMIN_ACTOR;
    else if (presented && isAgentToken(presented)) {
      const claim = agents ? await verifyAgentToken(agents.secret, presented) : null;
      const task = claim ? await agents?.getTask(claim.taskId) : null;
      if (claim && task?.status === 'running' && task.fencingToken === claim.fencingToken) {
        actor = agentActor(task.id);
      }
    } else if (presented) {
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
