import { hashToken } from '../token-hash.js';

const base64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replaceAll('+', '-')
    .replaceAll('/', '_')
    .replace(/=+$/, '');

/** 256 random bits, base64url, behind a prefix that says what it is (and helps secret scanners). */
export function newSecret(prefix: 'sbat' | 'sbrt' | 'sbac' | 'sbcs' | 'sbbr'): string {
  return `${prefix}_${base64url(crypto.getRandomValues(new Uint8Array(32)))}`;
}

export { hashToken as hashSecret };

// RFC 7636 §4.1: 43–128 characters of the unreserved set.
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;
export const CHALLENGE = /^[A-Za-z0-9\-_]{43}$/;

/** PKCE S256: BASE64URL(SHA-256(verifier)) must equal the challenge sent to /authorize. */
export async function pkceMatches(verifier: string, challenge: string): Promise<boolean> {
  if (!VERIFIER.test(verifier)) return false;
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest)) === challenge;
}
