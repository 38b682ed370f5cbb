import type { HostResolver } from '../ports/host-resolver.js';
import { isIpLiteral, isPublicAddress } from '../net/address-ranges.js';

/** Where push messages may go. */
export interface PushHostPolicy {
  /** `host.name` exactly, `*.suffix` for any name under it, or `*` for any public host. */
  readonly allowedHosts: readonly string[];
  /** Let names resolve to loopback or private addresses: a push service on the LAN, tests. */
  readonly allowPrivateAddresses: boolean;
}

/** The push services of Chrome/Edge/Opera (FCM), Firefox, Windows (WNS) and Safari. */
export const BROWSER_PUSH_HOSTS: readonly string[] = [
  'fcm.googleapis.com',
  'updates.push.services.mozilla.com',
  '*.notify.windows.com',
  '*.push.apple.com',
];

export const DEFAULT_PUSH_POLICY: PushHostPolicy = {
  allowedHosts: BROWSER_PUSH_HOSTS,
  allowPrivateAddresses: false,
};

const HOST_NAME =
  /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** A pattern of `allowedHosts` as the config may give it. */
export const isHostPattern = (p: string): boolean =>
  p === '*' || HOST_NAME.test(p.startsWith('*.') ? p.slice(2) : p);

const matches = (host: string, pattern: string): boolean =>
  pattern === '*' ||
  (pattern.startsWith('*.') ? host.endsWith(pattern.slice(1)) : host === pattern);

/**
 * What is wrong with a push endpoint by its shape alone, or null: https, no credentials, a
 * host name with a dot (no IP literal, no `localhost`, no single label), on the allowed list.
 * The Worker build has no DNS to ask, so this is all it could check.
 */
export function pushEndpointProblem(endpoint: string, policy: PushHostPolicy): string | null {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return 'is not a URL';
  }
  if (url.protocol !== 'https:') return 'is not https';
  if (url.username !== '' || url.password !== '') return 'carries credentials';
  // `localhost.` is `localhost`: one trailing dot only makes a name absolute.
  const host = url.hostname.replace(/\.$/, '');
  if (isIpLiteral(host)) return 'names an IP address, not a push service';
  if (!HOST_NAME.test(host)) return 'is not a public host name';
  if (host === 'localhost' || host.endsWith('.localhost')) return 'names this machine';
  if (!policy.allowedHosts.some((p) => matches(host, p))) {
    return `is not a known push service (${host})`;
  }
  return null;
}

/**
 * pushEndpointProblem, then where the name leads now: every address it resolves to must be
 * public, so a name pointed at 127.0.0.1 or the LAN is refused at subscribe and at each send.
 */
export async function vetPushEndpoint(
  endpoint: string,
  policy: PushHostPolicy,
  resolver: HostResolver,
): Promise<string | null> {
  const problem = pushEndpointProblem(endpoint, policy);
  if (problem) return problem;
  const host = new URL(endpoint).hostname.replace(/\.$/, '');
  const addresses = await resolver.resolve(host).catch(() => [] as readonly string[]);
  if (addresses.length === 0) return `does not resolve (${host})`;
  if (!policy.allowPrivateAddresses && !addresses.every(isPublicAddress)) {
    return `resolves to a loopback or private address (${host})`;
  }
  return null;
}
