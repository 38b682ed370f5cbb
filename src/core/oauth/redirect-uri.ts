/**
 * Redirect URIs are where authorization codes go, so they are checked as strictly as the
 * OAuth 2.1 draft and RFC 9700 ask: registered ones must be absolute https URLs (plain http
 * only for loopback, for native and CLI clients), with no fragment, no userinfo and nothing a
 * parser could read two ways; at /authorize the one presented must equal a registered one
 * character for character. There is no normalisation and no port leniency, so a changed case,
 * port, path or an added `@` never matches.
 */

export const MAX_REDIRECT_URI_CHARS = 2_000;
export const MAX_REDIRECT_URIS = 10;

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);
// Controls, spaces, backslashes and quotes: none belongs in a URI a browser is sent to.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const UNSAFE = /[\u0000-\u0020\u007f-\u009f\\"'<>`]/;

/** Why a redirect URI may not be registered, or null when it may. */
export function redirectUriProblem(raw: string): string | null {
  if (raw.length > MAX_REDIRECT_URI_CHARS) return 'is too long';
  if (UNSAFE.test(raw)) return 'contains spaces, control or quote characters';
  if (!URL.canParse(raw)) return 'is not an absolute URL';
  const url = new URL(raw);
  // The parser fixes what the string said: only a URI that reads back unchanged is unambiguous.
  if (url.href !== raw && url.href !== `${raw}/`) return 'is not in canonical form';
  // An `@` before the query reads as userinfo to some parsers and as a path to others.
  if (url.username || url.password || (raw.split('?')[0] ?? '').includes('@')) {
    return 'contains userinfo (@)';
  }
  if (url.hash || raw.includes('#')) return 'has a fragment';
  if (url.protocol === 'https:') return null;
  if (url.protocol === 'http:' && LOOPBACK.has(url.hostname)) return null;
  return 'must use https (http only for localhost)';
}

/** The exact registered URI the request names, or null. */
export function matchRedirectUri(presented: string, registered: readonly string[]): string | null {
  return registered.find((uri) => uri === presented) ?? null;
}
