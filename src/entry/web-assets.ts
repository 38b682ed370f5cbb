import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StaticAsset, StaticAssets } from '../gateway/web/static-assets.js';

// The same path from src/entry (tsx) and dist/entry (built): the web app ships under src/web.
export const WEB_DIR = fileURLToPath(new URL('../../src/web', import.meta.url));

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/** Mermaid is served from its own ESM build (chunks load on demand, from us, never a CDN). */
export const MERMAID_PREFIX = '/vendor/mermaid/';

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

function mermaidDist(): string | null {
  try {
    const require = createRequire(import.meta.url);
    return dirname(require.resolve('mermaid/package.json')) + '/dist';
  } catch {
    return null;
  }
}

/**
 * The web app's files, read once at start (a few dozen KB), and Mermaid's ESM build read on
 * request (17 MB of chunks, of which a diagram needs a few). Only known names are served:
 * nothing outside these folders can be reached through `..` or encoded slashes.
 */
export function createWebAssets(dir = WEB_DIR): StaticAssets {
  const files = new Map<string, StaticAsset>();
  for (const path of walk(dir)) {
    const type = TYPES[extname(path)];
    if (!type) continue;
    const url = `/${relative(dir, path).split(sep).join('/')}`;
    files.set(url, { body: readFileSync(path), type, immutable: url.startsWith('/icons/') });
  }
  const mermaid = mermaidDist();
  const vendor = mermaid
    ? new Set(
        [
          'mermaid.esm.min.mjs',
          ...walk(join(mermaid, 'chunks', 'mermaid.esm.min'))
            .filter((p) => p.endsWith('.mjs'))
            .map((p) => relative(mermaid, p).split(sep).join('/')),
        ].map((p) => `${MERMAID_PREFIX}${p}`),
      )
    : new Set<string>();
  return {
    async get(path) {
      const own = files.get(path);
      if (own) return own;
      if (!mermaid || !vendor.has(path)) return null;
      return {
        body: readFileSync(join(mermaid, path.slice(MERMAID_PREFIX.length))),
        type: TYPES['.mjs'] ?? 'text/javascript',
        // Chunk names carry a content hash; the entry file's name does not.
        immutable: path.includes('/chunks/'),
      };
    },
  };
}
