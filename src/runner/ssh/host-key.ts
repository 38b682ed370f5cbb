import { createHash, createHmac } from 'node:crypto';

/** OpenSSH's fingerprint form: `SHA256:` + unpadded base64 of the key blob's SHA-256. */
export const fingerprintOf = (keyBlob: Buffer): string =>
  `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;

export type HostKeyPolicy =
  | { readonly kind: 'pinned'; readonly fingerprint: string }
  | { readonly kind: 'known_hosts'; readonly keys: readonly Buffer[] }
  | { readonly kind: 'none' };

const hostPatterns = (host: string, port: number) =>
  port === 22 ? [host, `[${host}]:22`] : [`[${host}]:${port}`];

/** `|1|salt|hash` entries hash the host name with HMAC-SHA1 keyed by the salt. */
function hostMatches(field: string, names: readonly string[]): boolean {
  return field.split(',').some((entry) => {
    if (entry.startsWith('|1|')) {
      const [, , salt, hash] = entry.split('|');
      if (!salt || !hash) return false;
      return names.some(
        (n) => createHmac('sha1', Buffer.from(salt, 'base64')).update(n).digest('base64') === hash,
      );
    }
    return names.includes(entry);
  });
}

/** Keys a known_hosts text lists for host:port (markers such as @revoked are never trusted). */
export function knownHostKeys(text: string, host: string, port: number): Buffer[] {
  const names = hostPatterns(host, port);
  const keys: Buffer[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith('@')) continue;
    const [hosts, , blob] = line.split(/\s+/);
    if (hosts && blob && hostMatches(hosts, names)) keys.push(Buffer.from(blob, 'base64'));
  }
  return keys;
}

/**
 * The only host key check there is: the presented key must be the pinned one or listed in
 * known_hosts. Without either, every key is refused — there is no trust-on-first-use path.
 */
export function verifyHostKey(policy: HostKeyPolicy, presented: Buffer): boolean {
  switch (policy.kind) {
    case 'pinned':
      return fingerprintOf(presented) === policy.fingerprint;
    case 'known_hosts':
      return policy.keys.some((k) => k.equals(presented));
    case 'none':
      return false;
  }
}
