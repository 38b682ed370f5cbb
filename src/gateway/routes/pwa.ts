import { Hono } from 'hono';
import { compress } from 'hono/compress';
import type { GatewayEnv } from '../deps.js';
import type { StaticAssets } from '../web/static-assets.js';

/**
 * The web app may run only its own scripts. Mermaid styles its SVG with inline style
 * attributes, hence 'unsafe-inline' for styles (never for scripts).
 */
export const PWA_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "manifest-src 'self'",
  "worker-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

/** Paths the app's router owns: each serves the shell, which then reads the path. */
const SHELL_PATHS = new Set(['/', '/login', '/index.html']);

/** The PWA at `/`: the shell, its modules, the manifest, icons and the service worker. */
export function createPwaRoutes(assets: StaticAssets) {
  // Gzip on the way out: Mermaid's chunks for one diagram are ~860 KB raw, ~240 KB gzipped.
  return new Hono<GatewayEnv>().get('/*', compress(), async (c, next) => {
    const path = SHELL_PATHS.has(c.req.path) ? '/index.html' : c.req.path;
    const asset = await assets.get(path);
    if (!asset) return next();
    c.header('Content-Type', asset.type);
    c.header('Content-Security-Policy', PWA_CSP);
    c.header('Cache-Control', asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
    // The service worker controls the whole origin, not only the folder it was served from.
    if (path === '/sw.js') c.header('Service-Worker-Allowed', '/');
    return c.body(asset.body as Uint8Array<ArrayBuffer>);
  });
}
