import type { Hono } from 'hono';
import { createAuthorizeRoutes } from './authorize-routes.js';
import { createOAuthMetadataRoutes } from './metadata-routes.js';
import type { OAuthDeps } from './oauth-deps.js';
import { createRegisterRoute } from './register-route.js';
import { createRevokeRoute } from './revoke-route.js';
import { createTokenRoute } from './token-route.js';

/**
 * The built-in OAuth 2.1 authorization server for MCP clients (Claude.ai custom connectors):
 * discovery, dynamic registration, authorize with the owner's consent in Telegram, token,
 * revoke. The MCP endpoint is the one protected resource.
 */
export function mountOAuth<E extends object>(
  app: Hono<E & { Variables: object }>,
  deps: OAuthDeps,
  publicUrl: string | null,
) {
  app.route('/.well-known', createOAuthMetadataRoutes(publicUrl));
  app.route('/register', createRegisterRoute(deps));
  app.route('/authorize', createAuthorizeRoutes(deps, publicUrl));
  app.route('/token', createTokenRoute(deps, publicUrl));
  app.route('/revoke', createRevokeRoute(deps));
}
