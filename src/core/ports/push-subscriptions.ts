import type { Role } from '../actor.js';

/** A browser's Web Push subscription, tied to the person whose session made it. */
export interface PushSubscriptionRecord {
  readonly id: string;
  /** The push service URL (a capability: whoever holds it and the keys can push). */
  readonly endpoint: string;
  /** The browser's P-256 public key and auth secret (base64url), for RFC 8291 encryption. */
  readonly p256dh: string;
  readonly auth: string;
  readonly userName: string;
  /** The role when it subscribed; the sender re-checks the current one. */
  readonly role: Role;
  readonly createdAt: string;
  readonly lastSuccessAt: string | null;
  /** Failed sends since the last success; the sender drops the subscription at a limit. */
  readonly failureCount: number;
}

/**
 * Stored push subscriptions. Rows are deleted, not soft-deleted: a dead endpoint is of no use
 * and a live one is a capability nobody should keep after unsubscribing.
 */
export interface PushSubscriptions {
  /** Saves, or replaces the row with the same endpoint (a re-subscribe, or a new user). */
  save(sub: PushSubscriptionRecord): Promise<void>;
  /** Removes the endpoint if `userName` subscribed it; true when a row went. */
  remove(endpoint: string, userName: string): Promise<boolean>;
  list(): Promise<readonly PushSubscriptionRecord[]>;
  recordSuccess(endpoint: string, at: string): Promise<void>;
  /** Adds one failure; returns the new count, or null when the row is gone. */
  recordFailure(endpoint: string): Promise<number | null>;
  /** Drops it regardless of owner (the push service said it is gone). */
  delete(endpoint: string): Promise<void>;
}
