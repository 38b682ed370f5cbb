import { constantTimeEqual } from './constant-time.js';

// `sba.<task id, 32 hex>.<fencing token>.<HMAC-SHA256, base64url>`: a capability for one claim
// of one task. A new claim (retry, re-queue) has a new fencing token, so old tokens go stale.
const TOKEN = /^sba\.([0-9a-f]{32})\.(\d{1,15})\.([A-Za-z0-9_-]{43})$/;
const LABEL = 'switchboard agent permission v1';

const encoder = new TextEncoder();

function base64url(bytes: ArrayBuffer): string {
  let binary = '';
  for (const b of new Uint8Array(bytes)) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

const compact = (taskId: string) => taskId.replace(/-/g, '').toLowerCase();
const expand = (hex: string) =>
  `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;

async function mac(secret: string, taskHex: string, fencingToken: number): Promise<string> {
  // Web Crypto: the same code on Node and Workers.
  const key = await crypto.subtle.importKey(
    'raw',
    encoder.encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const message = encoder.encode(`${LABEL}\n${taskHex}\n${fencingToken}`);
  return base64url(await crypto.subtle.sign('HMAC', key, message));
}

/** The bearer token an agent process uses to ask for permission for this claim of this task. */
export async function mintAgentToken(
  secret: string,
  taskId: string,
  fencingToken: number,
): Promise<string> {
  const hex = compact(taskId);
  return `sba.${hex}.${fencingToken}.${await mac(secret, hex, fencingToken)}`;
}

/** The claim a token speaks for, if its MAC is ours (compared in constant time); else null. */
export async function verifyAgentToken(
  secret: string,
  presented: string,
): Promise<{ readonly taskId: string; readonly fencingToken: number } | null> {
  const m = TOKEN.exec(presented);
  if (!m) return null;
  const [, hex, fencing, given] = m as unknown as [string, string, string, string];
  const fencingToken = Number(fencing);
  const expected = await mac(secret, hex, fencingToken);
  return constantTimeEqual(given, expected) ? { taskId: expand(hex), fencingToken } : null;
}

export const isAgentToken = (presented: string): boolean => presented.startsWith('sba.');
