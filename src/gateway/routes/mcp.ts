import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { Hono } from 'hono';
import type { CoreDeps } from '../../core/deps.js';
import type { GatewayEnv } from '../deps.js';
import { errorBody } from '../http-errors.js';
import { createMcpServer, type McpOptions } from '../mcp/create-mcp-server.js';

/**
 * A browser page on another site must not drive the endpoint with the operator's network
 * position (DNS rebinding, CSRF): a request with an Origin is served only from our own origin.
 * Server-side clients (Claude.ai's backend, Claude Code) send none.
 */
function originAllowed(origin: string | undefined, requestUrl: string, publicUrl: string | null) {
  if (origin === undefined) return true;
  const own = [new URL(requestUrl).origin, ...(publicUrl ? [new URL(publicUrl).origin] : [])];
  return own.includes(origin);
}

/**
 * /mcp: Streamable HTTP, stateless — a fresh server and transport for every request. Its Host
 * is checked (DNS rebinding) before auth, in the app.
 */
export function createMcpRoute(
  core: CoreDeps,
  options: McpOptions & { readonly publicUrl: string | null },
) {
  return new Hono<GatewayEnv>().all('/', async (c) => {
    if (!originAllowed(c.req.header('origin'), c.req.url, options.publicUrl)) {
      return c.json(
        errorBody('forbidden_origin', 'This origin may not use the MCP endpoint.'),
        403,
      );
    }
    // No sessionIdGenerator: stateless mode.
    const server = createMcpServer(core, c.get('actor'), options);
    const transport = new WebStandardStreamableHTTPServerTransport({});
    await server.connect(transport);
    return transport.handleRequest(c.req.raw);
  });
}
