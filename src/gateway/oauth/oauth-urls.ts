import type { Context } from 'hono';

/**
 * Where this server is, as clients see it: the configured public URL, or (run locally, no
 * public URL) the origin the request came to. The MCP endpoint is the protected resource and
 * the tokens' audience; the issuer is the origin itself.
 */
export function oauthUrls(c: Context, publicUrl: string | null) {
  const issuer = publicUrl ? new URL(publicUrl).origin : new URL(c.req.url).origin;
  return {
    issuer,
    resource: `${issuer}/mcp`,
    resourceMetadata: `${issuer}/.well-known/oauth-protected-resource/mcp`,
    authorize: `${issuer}/authorize`,
    token: `${issuer}/token`,
    register: `${issuer}/register`,
    revoke: `${issuer}/revoke`,
  };
}
