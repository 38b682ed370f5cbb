/** Methods that change nothing and so need no CSRF proof. */
export const isSafeMethod = (method: string): boolean => /^(GET|HEAD|OPTIONS)$/i.test(method);

/**
 * A cookie-borne request that changes state must come from one of our own pages. Browsers send
 * Origin on every non-GET fetch, and Sec-Fetch-Site where they support it; either naming
 * another site refuses the request, and a request with neither is refused too.
 */
export function sameOrigin(
  headers: { readonly origin?: string | undefined; readonly secFetchSite?: string | undefined },
  ours: readonly string[],
): boolean {
  if (headers.secFetchSite !== undefined && headers.secFetchSite !== 'same-origin') return false;
  if (headers.origin !== undefined) return ours.includes(headers.origin);
  return headers.secFetchSite === 'same-origin';
}

/** Our origins: the one a request reached (loopback, LAN) and the public URL's (behind TLS). */
export function ourOrigins(requestUrl: string, publicUrl: string | null): string[] {
  const mine = new URL(requestUrl).origin;
  return publicUrl ? [mine, new URL(publicUrl).origin] : [mine];
}

/** Compares the presented CSRF token with the session's; both are 64 hex chars. */
export function tokenMatches(presented: string | undefined, expected: string): boolean {
  if (presented === undefined || presented.length !== expected.length) return false;
  let diff = 0;
  for (let i = 0; i < expected.length; i++)
    diff |= presented.charCodeAt(i) ^ expected.charCodeAt(i);
  return diff === 0;
}
