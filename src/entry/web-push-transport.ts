import webpush from 'web-push';
import type { PushTransport } from '../core/ports/push-transport.js';
import type { VapidKeys } from './vapid-keys.js';

export interface WebPushTransportOptions {
  readonly keys: VapidKeys;
  /** mailto: or https: — who push services may contact about this sender (RFC 8292). */
  readonly subject: string;
  readonly timeoutMs?: number;
  /** How long a push service keeps a message for an offline device (s). */
  readonly ttlS?: number;
  /** Tests route a push service's name to a stand-in on loopback. */
  readonly fetch?: typeof fetch;
}

/**
 * web-push encrypts (RFC 8291 aes128gcm) and signs (VAPID); fetch sends, so the timeout covers
 * the whole exchange and tests can stand a push service up on plain http on loopback.
 */
export function createWebPushTransport(o: WebPushTransportOptions): PushTransport {
  const timeoutMs = o.timeoutMs ?? 10_000;
  const send = o.fetch ?? fetch;
  return {
    async send(sub, payload) {
      try {
        const req = webpush.generateRequestDetails(
          { endpoint: sub.endpoint, keys: { p256dh: sub.p256dh, auth: sub.auth } },
          payload,
          {
            vapidDetails: {
              subject: o.subject,
              publicKey: o.keys.publicKey,
              privateKey: o.keys.privateKey,
            },
            TTL: o.ttlS ?? 3600,
            urgency: 'high',
          },
        );
        const headers = Object.fromEntries(
          Object.entries(req.headers)
            // fetch sets the length of the body it sends.
            .filter(([k]) => k.toLowerCase() !== 'content-length')
            .map(([k, v]) => [k, String(v)]),
        );
        const res = await send(req.endpoint, {
          method: 'POST',
          headers,
          body: req.body ? new Uint8Array(req.body) : null,
          redirect: 'error',
          signal: AbortSignal.timeout(timeoutMs),
        });
        // The push service's answer body is of no use; release the connection.
        await res.body?.cancel();
        return res.ok ? { ok: true } : { ok: false, status: res.status, error: res.statusText };
      } catch (e) {
        return { ok: false, status: null, error: String(e) };
      }
    },
  };
}
