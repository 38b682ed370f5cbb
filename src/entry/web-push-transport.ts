import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request } from 'node:https';
import type { LookupFunction } from 'node:net';
import webpush from 'web-push';
import type { PushTransport } from '../core/ports/push-transport.js';
import { isPublicAddress } from '../core/net/address-ranges.js';
import type { PushHostPolicy } from '../core/push/endpoint-policy.js';
import type { VapidKeys } from './vapid-keys.js';

export interface WebPushTransportOptions {
  readonly keys: VapidKeys;
  /** mailto: or https: — who push services may contact about this sender (RFC 8292). */
  readonly subject: string;
  readonly timeoutMs?: number;
  /** How long a push service keeps a message for an offline device (s). */
  readonly ttlS?: number;
  /** Whether a push host may resolve to a loopback or private address. */
  readonly pushHosts?: Pick<PushHostPolicy, 'allowPrivateAddresses'>;
  /** Tests route a push service's name to a stand-in on loopback. */
  readonly fetch?: typeof fetch;
}

interface Answer {
  readonly status: number;
  readonly statusText: string;
}
type Post = (
  url: string,
  headers: Record<string, string>,
  body: Uint8Array<ArrayBuffer> | null,
  timeoutMs: number,
) => Promise<Answer>;

/**
 * The connection's own name lookup refuses what the sender's check refuses, so a name cannot
 * be re-pointed at this machine between that check and the connect (DNS rebinding).
 */
export function pushHostLookup(allowPrivateAddresses: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, found: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      if (
        found.length === 0 ||
        (!allowPrivateAddresses && !found.every((a) => isPublicAddress(a.address)))
      ) {
        const refused = new Error(`${hostname} resolves to a loopback or private address`);
        return callback(Object.assign(refused, { code: 'EPUSHADDRESS' }), '', 0);
      }
      const [first] = found as [LookupAddress, ...LookupAddress[]];
      return options.all ? callback(null, found) : callback(null, first.address, first.family);
    });
  };
}

/** node:https with the guarded lookup; redirects are not followed (a 3xx is a failure). */
const httpsPost =
  (lookup: LookupFunction): Post =>
  (url, headers, body, timeoutMs) =>
    new Promise((resolve, reject) => {
      const req = request(
        url,
        { method: 'POST', headers, lookup, signal: AbortSignal.timeout(timeoutMs) },
        (res) => {
          // The push service's answer body is of no use; release the connection.
          res.resume();
          resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '' });
        },
      );
      req.on('error', reject);
      req.end(body ?? undefined);
    });

const fetchPost =
  (send: typeof fetch): Post =>
  async (url, headers, body, timeoutMs) => {
    const res = await send(url, {
      method: 'POST',
      headers,
      body,
      redirect: 'error',
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.body?.cancel();
    return { status: res.status, statusText: res.statusText };
  };

/**
 * web-push encrypts (RFC 8291 aes128gcm) and signs (VAPID); this module sends, so the timeout
 * covers the whole exchange and tests can stand a push service up on plain http on loopback.
 */
export function createWebPushTransport(o: WebPushTransportOptions): PushTransport {
  const timeoutMs = o.timeoutMs ?? 10_000;
  const post = o.fetch
    ? fetchPost(o.fetch)
    : httpsPost(pushHostLookup(o.pushHosts?.allowPrivateAddresses ?? false));
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
        const body = req.body ? new Uint8Array(req.body) : null;
        const headers = Object.fromEntries(
          Object.entries(req.headers)
            // The body's own length is set below, whatever web-push put there.
            .filter(([k]) => k.toLowerCase() !== 'content-length')
            .map(([k, v]) => [k, String(v)]),
        );
        if (!o.fetch) headers['Content-Length'] = String(body?.length ?? 0);
        const res = await post(req.endpoint, headers, body, timeoutMs);
        const ok = res.status >= 200 && res.status < 300;
        return ok ? { ok: true } : { ok: false, status: res.status, error: res.statusText };
      } catch (e) {
        return { ok: false, status: null, error: String(e) };
      }
    },
  };
}
