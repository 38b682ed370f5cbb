import { Hono } from 'hono';
import { z } from 'zod';
import type { HostResolver } from '../../core/ports/host-resolver.js';
import type { PushSubscriptions } from '../../core/ports/push-subscriptions.js';
import type { PushHostPolicy } from '../../core/push/endpoint-policy.js';
import type { CoreDeps } from '../../core/deps.js';
import { subscribePush, unsubscribePush } from '../../core/use-cases/push-subscription.js';
import type { GatewayEnv } from '../deps.js';
import { domainErrorResponse, errorBody } from '../http-errors.js';
import { requireJson } from '../middleware/require-json.js';
import { validate } from '../validation.js';

/** What /api/push needs: the VAPID public key browsers subscribe with, the store, the policy. */
export interface PushRouteDeps {
  readonly publicKey: string;
  readonly subscriptions: PushSubscriptions;
  readonly pushHosts: PushHostPolicy;
  readonly resolver: HostResolver;
}

const bytesOf = (b64url: string) =>
  Uint8Array.from(atob(b64url.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));

/**
 * Push services are public https hosts by name. The server will POST to whatever URL is stored,
 * so loopback, IP literals and credentials are refused here already; the use case then checks
 * the host list and where the name resolves.
 */
const endpoint = z
  .url({ protocol: /^https$/, hostname: /^(?!localhost$)(?=.*[a-z])[a-z0-9.-]+$/i })
  .max(2048)
  .refine((u) => {
    const url = new URL(u);
    return url.username === '' && url.password === '' && !/^[\d.]+$/.test(url.hostname);
  }, 'a push service URL (https, a host name, no credentials)');

/** RFC 8291: the browser's uncompressed P-256 public key (65 bytes) and a 16-byte auth secret. */
const subscriptionBody = z.strictObject({
  endpoint,
  expirationTime: z.number().nullable().optional(),
  keys: z.strictObject({
    p256dh: z
      .string()
      .regex(/^[A-Za-z0-9_-]{87}$/, '65 bytes in base64url')
      .refine((k) => bytesOf(k)[0] === 0x04, 'an uncompressed P-256 point'),
    auth: z.string().regex(/^[A-Za-z0-9_-]{22}$/, '16 bytes in base64url'),
  }),
});

const unsubscribeBody = z.strictObject({ endpoint: z.string().min(1).max(2048) });

/** /api/push: the VAPID key, and a browser's subscribe / unsubscribe (session + CSRF). */
export function createPushRoutes(core: CoreDeps, push: PushRouteDeps | null) {
  const off = () => errorBody('not_found', 'Web Push is off on this server.');
  return new Hono<GatewayEnv>()
    .get('/key', (c) => (push ? c.json({ public_key: push.publicKey }) : c.json(off(), 404)))
    .post('/subscriptions', requireJson, validate('json', subscriptionBody), async (c) => {
      if (!push) return c.json(off(), 404);
      const body = c.req.valid('json');
      const r = await subscribePush({
        deps: {
          pushSubscriptions: push.subscriptions,
          clock: core.clock,
          ids: core.ids,
          pushHosts: push.pushHosts,
          resolver: push.resolver,
        },
        actor: c.get('actor'),
        input: { endpoint: body.endpoint, p256dh: body.keys.p256dh, auth: body.keys.auth },
      });
      return r.ok ? c.json({ subscribed: true }, 201) : domainErrorResponse(c, r.error);
    })
    .delete('/subscriptions', requireJson, validate('json', unsubscribeBody), async (c) => {
      if (!push) return c.json(off(), 404);
      const r = await unsubscribePush({
        deps: { pushSubscriptions: push.subscriptions },
        actor: c.get('actor'),
        input: { endpoint: c.req.valid('json').endpoint },
      });
      return r.ok ? c.json({ removed: r.value.removed }) : domainErrorResponse(c, r.error);
    });
}
