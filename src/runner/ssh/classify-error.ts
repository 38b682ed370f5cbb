import type { TransportFailure } from '../transport.js';

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
]);

/**
 * Maps an ssh2 or socket error to a classified failure. `hostKeyRejected` is set by our own
 * host verifier, because ssh2 reports that refusal only as a generic handshake error.
 */
export function classifySshError(error: unknown, hostKeyRejected: boolean): TransportFailure {
  if (hostKeyRejected) return 'host_key_mismatch';
  const e = error as { level?: string; code?: string; message?: string } | null;
  if (e?.level === 'client-authentication') return 'auth_failure';
  if (e?.level === 'client-timeout') return 'host_unreachable';
  if (e?.code && UNREACHABLE.has(e.code)) return 'host_unreachable';
  return 'connection_lost';
}
