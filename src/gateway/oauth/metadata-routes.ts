import { Hono } from 'hono';
import { cors } from 'hono/cors';
import { OAUTH } from './oauth-settings.js';
import { oauthUrls } from './oauth-urls.js';

/**
 * Discovery: RFC 9728 protected-resource metadata (at the path-suffixed and the plain
 * location) and RFC 8414 authorization-server metadata. Public, and readable cross-origin:
 * browser-based MCP clients discover from the page.
 */
export function createOAuthMetadataRoutes(publicUrl: string | null) {
  const app = new Hono();
  app.use('*', cors());
  const resourceMetadata = (c: Parameters<typeof oauthUrls>[0]) => {
    const urls = oauthUrls(c, publicUrl);
    return c.json({
      resource: urls.resource,
      authorization_servers: [urls.issuer],
      scopes_supported: [OAUTH.scope],
      bearer_methods_supported: ['header'],
      resource_name: 'Switchboard',
    });
  };
  app.get('/oauth-protected-resource/mcp', resourceMetadata);
  app.get('/oauth-protected-resource', resourceMetadata);
  app.get('/oauth-authorization-server', (c) => {
    const urls = oauthUrls(c, publicUrl);
    return c.json({
      issuer: urls.issuer,
      authorization_endpoint: urls.authorize,
      token_endpoint: urls.token,
      registration_endpoint: urls.register,
      revocation_endpoint: urls.revoke,
      scopes_supported: [OAUTH.scope],
      response_types_supported: ['code'],
      response_modes_supported: ['query'],
      grant_types_supported: ['authorization_code', 'refresh_token'],
      token_endpoint_auth_methods_supported: ['none', 'client_secret_post', 'client_secret_basic'],
      revocation_endpoint_auth_methods_supported: [
        'none',
        'client_secret_post',
        'client_secret_basic',
      ],
      code_challenge_methods_supported: ['S256'],
      authorization_response_iss_parameter_supported: true,
    });
  });
  return app;
}
