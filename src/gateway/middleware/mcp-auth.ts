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
import type { OAuthDeps } from '../oauth/oauth-deps.js';
import { OAUTH } from '../oauth/oauth-settings.js';
import { oauthUrls } from '../oauth/oauth-urls.js';

/** An MCP client holding the admin token: an owner, on the mcp channel (for audit and policy). */
export const MCP_ADMIN_ACTOR: Actor = { id: 'mcp:admin', role: 'owner', channel: 'mcp' };

const BEARER = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/;

export interface AgentTokenCheck {
  /** The key of per-task agent tokens (see agent-token.ts). */
  readonly secret: string;
  getTask(id: string): Promise<Task | null>;
}

export interface McpAuthOptions {
  readonly adminToken: string;
  readonly clients: ClientRegistry;
  readonly oauth: OAuthDeps;
  readonly publicUrl: string | null;
  readonly agents?: AgentTokenCheck | undefined;
}

/**
 * Bearer auth for /mcp, four kinds of token: the admin token; a client's static token
 * (`switchboard token create --role …`), which acts with that client's role; an OAuth access
 * token, which acts for the owner who allowed the client — only while that person is still a
 * user, only before it expires, and only for this resource (its audience); or an agent's
 * per-task token, valid only while that task runs under that claim. A refusal carries the
 * challenge that starts OAuth discovery (RFC 9728 resource_metadata).
 */
export function mcpAuth(options: McpAuthOptions) {
  const { oauth } = options;
  const now = () => oauth.core.clock.now();
  return createMiddleware<GatewayEnv>(async (c, next) => {
    const presented = BEARER.exec(c.req.header('authorization') ?? '')?.[1];
    let actor: Actor | null = null;
    if (presented && constantTimeEqual(presented, options.adminToken)) actor = MCP_ADMIN_ACTOR;
    else if (presented?.startsWith('sbat_')) {
      const token = await oauth.oauth.findToken(await hashToken(presented));
      const role = token ? oauth.roleOf(token.subject) : null;
      if (
        token?.kind === 'access' &&
        token.revokedAt === null &&
        token.expiresAt > now().toISOString() &&
        token.resource === oauthUrls(c, options.publicUrl).resource &&
        role !== null
      ) {
        actor = { id: `oauth:${token.clientId}`, role, channel: 'mcp' };
      }
    } else if (presented && isAgentToken(presented)) {
      const { agents } = options;
      const claim = agents ? await verifyAgentToken(agents.secret, presented) : null;
      const task = claim ? await agents?.getTask(claim.taskId) : null;
      if (claim && task?.status === 'running' && task.fencingToken === claim.fencingToken) {
        actor = agentActor(task.id);
      }
    } else if (presented) {
      // Looked up by hash: the stored value is never compared byte by byte with the secret.
      const client = await options.clients.findByTokenHash(await hashToken(presented));
      if (client) {
        actor = { id: `client:${client.name}`, role: client.role, channel: 'mcp' };
        await options.clients.touch(client.id, now().toISOString());
      }
    }
    if (!actor) {
      const { resourceMetadata } = oauthUrls(c, options.publicUrl);
      c.header(
        'WWW-Authenticate',
        `Bearer${presented ? ' error="invalid_token",' : ''} resource_metadata="${resourceMetadata}", scope="${OAUTH.scope}"`,
      );
      return c.json(errorBody('unauthorized', 'Unauthorized.'), 401);
    }
    c.set('actor', actor);
    await next();
  });
}
