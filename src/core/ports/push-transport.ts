import type { PushSubscriptionRecord } from './push-subscriptions.js';

/** What the push service answered: ok, or a failure with its HTTP status (null: no answer). */
export type PushOutcome =
  | { readonly ok: true }
  | { readonly ok: false; readonly status: number | null; readonly error: string };

/**
 * Delivers one encrypted, VAPID-signed message to a push service (RFC 8030/8291/8292). It
 * must not throw and must give up after its own timeout.
 */
export interface PushTransport {
  send(
    sub: Pick<PushSubscriptionRecord, 'endpoint' | 'p256dh' | 'auth'>,
    payload: string,
  ): Promise<PushOutcome>;
}
