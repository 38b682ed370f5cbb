import type { Role } from '../actor.js';
import type { DomainEvent } from '../events.js';
import type { Clock } from '../ports/clock.js';
import type { HostResolver } from '../ports/host-resolver.js';
import type { Logger } from '../ports/logger.js';
import type { PushSubscriptionRecord, PushSubscriptions } from '../ports/push-subscriptions.js';
import type { PushTransport } from '../ports/push-transport.js';
import { vetPushEndpoint, type PushHostPolicy } from './endpoint-policy.js';
import { pushNoticeFor, recipientsOf, type PushMessage } from './push-message.js';

export interface PushSenderDeps {
  readonly subscriptions: PushSubscriptions;
  readonly transport: PushTransport;
  readonly roleOf: (name: string) => Role | null;
  readonly clock: Clock;
  readonly log: Logger;
  readonly pushHosts: PushHostPolicy;
  readonly resolver: HostResolver;
}

export interface PushSenderOptions {
  /** Sends in flight at once. */
  readonly concurrency?: number;
  /** Jobs waiting beyond this are dropped (and logged): a stuck push service costs no memory. */
  readonly maxQueued?: number;
  /** Consecutive failures after which a subscription is dropped. */
  readonly maxFailures?: number;
}

export interface PushSender {
  /** Queues the pushes for an event and returns at once; it never throws. */
  notify(event: DomainEvent): void;
  /** Resolves when nothing is queued or in flight (tests, shutdown). */
  idle(): Promise<void>;
  /** Drops what is queued; sends in flight finish on their own timeouts. */
  stop(): void;
}

/** 404 and 410 are the push service saying the subscription no longer exists (RFC 8030 §7.3). */
const GONE = new Set([404, 410]);

/**
 * The web app's side of a state change: a notification to each subscribed browser whose person
 * may act on it. Fire and forget, bounded: the core's path never waits for a push service.
 */
export function createPushSender(
  deps: PushSenderDeps,
  options: PushSenderOptions = {},
): PushSender {
  const concurrency = options.concurrency ?? 4;
  const maxQueued = options.maxQueued ?? 500;
  const maxFailures = options.maxFailures ?? 5;
  const queue: (() => Promise<void>)[] = [];
  let running = 0;
  let stopped = false;
  const idleWaiters: (() => void)[] = [];

  const settle = () => {
    if (running === 0 && queue.length === 0) {
      for (const w of idleWaiters.splice(0)) w();
    }
  };
  const pump = () => {
    while (!stopped && running < concurrency && queue.length > 0) {
      const job = queue.shift()!;
      running++;
      void job()
        .catch((e: unknown) => deps.log.error('push: job failed', { error: String(e) }))
        .finally(() => {
          running--;
          pump();
          settle();
        });
    }
    settle();
  };
  const enqueue = (job: () => Promise<void>): boolean => {
    if (stopped) return false;
    if (queue.length >= maxQueued) {
      deps.log.warn('push: queue full, a notification was dropped', { queued: queue.length });
      return false;
    }
    queue.push(job);
    pump();
    return true;
  };

  async function deliver(sub: PushSubscriptionRecord, message: PushMessage) {
    const host = new URL(sub.endpoint).host;
    // Checked again at each send: a name may be re-pointed at this machine after subscribing,
    // and rows stored before the check existed were never vetted.
    const problem = await vetPushEndpoint(sub.endpoint, deps.pushHosts, deps.resolver);
    if (problem) {
      await deps.subscriptions.delete(sub.endpoint);
      deps.log.warn('push: endpoint refused, subscription removed', {
        user: sub.userName,
        host,
        problem,
      });
      return;
    }
    const r = await deps.transport.send(sub, JSON.stringify(message));
    if (r.ok) {
      await deps.subscriptions.recordSuccess(sub.endpoint, deps.clock.now().toISOString());
      return;
    }
    if (r.status !== null && GONE.has(r.status)) {
      await deps.subscriptions.delete(sub.endpoint);
      deps.log.info('push: subscription expired, removed', {
        user: sub.userName,
        host,
        status: r.status,
      });
      return;
    }
    const failures = await deps.subscriptions.recordFailure(sub.endpoint);
    if (failures !== null && failures >= maxFailures) {
      await deps.subscriptions.delete(sub.endpoint);
      deps.log.warn('push: subscription failed too often, removed', {
        user: sub.userName,
        host,
        failures,
        status: r.status,
        error: r.error,
      });
    } else {
      deps.log.warn('push: send failed', {
        user: sub.userName,
        host,
        status: r.status,
        error: r.error,
      });
    }
  }

  return {
    notify(event) {
      const notice = pushNoticeFor(event);
      if (!notice) return;
      enqueue(async () => {
        const subs = recipientsOf(await deps.subscriptions.list(), notice.audience, deps.roleOf);
        for (const sub of subs) enqueue(() => deliver(sub, notice.message));
      });
    },
    idle: () =>
      running === 0 && queue.length === 0
        ? Promise.resolve()
        : new Promise<void>((resolve) => idleWaiters.push(resolve)),
    stop() {
      stopped = true;
      queue.length = 0;
      settle();
    },
  };
}
