import { isAllowed, type Actor } from '../actor.js';
import type { DomainError } from '../errors.js';
import type { Clock } from '../ports/clock.js';
import type { HostResolver } from '../ports/host-resolver.js';
import type { IdGen } from '../ports/id-gen.js';
import type { PushSubscriptions } from '../ports/push-subscriptions.js';
import { vetPushEndpoint, type PushHostPolicy } from '../push/endpoint-policy.js';
import { err, ok, type Result } from '../result.js';

export interface PushSubscriptionDeps {
  readonly pushSubscriptions: PushSubscriptions;
  readonly clock: Clock;
  readonly ids: IdGen;
  /** Which push services the server will POST to, and how their names are resolved. */
  readonly pushHosts: PushHostPolicy;
  readonly resolver: HostResolver;
}

export interface BrowserSubscription {
  readonly endpoint: string;
  readonly p256dh: string;
  readonly auth: string;
}

/** Devices per person: past this the oldest goes (its browser has likely moved on). */
export const MAX_SUBSCRIPTIONS_PER_USER = 10;

/**
 * A browser asks for notifications for the person signed in. Anyone who may read tasks may
 * subscribe; what reaches them is decided per notice by their role when it is sent.
 */
export async function subscribePush({
  deps,
  actor,
  input,
}: {
  deps: PushSubscriptionDeps;
  actor: Actor;
  input: BrowserSubscription;
}): Promise<Result<{ endpoint: string }, DomainError>> {
  if (!isAllowed(actor, 'task.read') || actor.role === 'system') {
    return err({ code: 'forbidden', action: 'task.read', role: actor.role });
  }
  // The server will POST to this URL: it must lead to a push service, not into the network.
  const problem = await vetPushEndpoint(input.endpoint, deps.pushHosts, deps.resolver);
  if (problem) {
    return err({ code: 'invalid_input', issues: [{ path: 'endpoint', message: problem }] });
  }
  await deps.pushSubscriptions.save({
    id: deps.ids.next(),
    ...input,
    userName: actor.id,
    role: actor.role,
    createdAt: deps.clock.now().toISOString(),
    lastSuccessAt: null,
    failureCount: 0,
  });
  const mine = (await deps.pushSubscriptions.list()).filter((s) => s.userName === actor.id);
  for (const old of mine.slice(0, Math.max(0, mine.length - MAX_SUBSCRIPTIONS_PER_USER))) {
    await deps.pushSubscriptions.delete(old.endpoint);
  }
  return ok({ endpoint: input.endpoint });
}

/** Turns notifications off for a browser; only its own subscriber may. Idempotent. */
export async function unsubscribePush({
  deps,
  actor,
  input,
}: {
  deps: Pick<PushSubscriptionDeps, 'pushSubscriptions'>;
  actor: Actor;
  input: { readonly endpoint: string };
}): Promise<Result<{ removed: boolean }, DomainError>> {
  return ok({ removed: await deps.pushSubscriptions.remove(input.endpoint, actor.id) });
}
