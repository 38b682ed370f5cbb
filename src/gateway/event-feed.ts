import type { DomainEvent } from '../core/events.js';
import { presentApproval, presentBreaker, presentTask } from './presenters.js';

/** One event as the web app receives it: an id to resume from, a type, a JSON body. */
export interface FeedEntry {
  readonly id: string;
  readonly type: string;
  readonly data: unknown;
}

export interface EventFeed {
  publish(event: DomainEvent): void;
  /**
   * The entries after `lastId`, for a reconnecting browser (Last-Event-ID). Null when they
   * cannot be told: the id is from another process or older than the buffer; the client then
   * reloads what it shows instead of trusting a gap.
   */
  since(lastId: string): readonly FeedEntry[] | null;
  /** The id of the newest entry (a fresh listener's resume point, even before any event). */
  head(): string;
  /** Every new entry until the returned function is called. */
  subscribe(listener: (entry: FeedEntry) => void): () => void;
  /** Called once when the feed closes (shutdown): open streams end instead of holding it up. */
  onClose(fn: () => void): () => void;
  close(): void;
}

/** Enough for a phone that lost signal for a few minutes while several tasks ran. */
export const FEED_CAPACITY = 1000;

/** Domain events in wire casing; null for events the web app has no use for. */
export function presentEvent(event: DomainEvent): { type: string; data: unknown } | null {
  switch (event.type) {
    case 'task.changed':
      return { type: event.type, data: { task: presentTask(event.task), from: event.from } };
    case 'approval.requested':
      return {
        type: event.type,
        data: {
          task: presentTask(event.task),
          approval: presentApproval(event.approval),
          handoff: event.handoff ?? null,
        },
      };
    case 'task.progress':
      return {
        type: event.type,
        data: {
          task_id: event.task.id,
          status: event.task.status,
          output_tail: event.outputTail,
          elapsed_ms: event.elapsedMs,
        },
      };
    case 'task.escalation_ended':
      // The ladder ran out: the operator decides (in Telegram for now); the list shows it.
      return { type: event.type, data: { task: presentTask(event.task) } };
    case 'breaker.alert':
      return {
        type: event.type,
        data: { breaker: presentBreaker(event.breaker), task_id: event.task?.id ?? null },
      };
    case 'oauth.consent_requested':
      return {
        type: event.type,
        data: {
          grant_id: event.grant.id,
          client_name: event.client.name,
          redirect_uri: event.grant.redirectUri,
          scope: event.grant.scope,
          expires_at: event.grant.expiresAt,
        },
      };
    case 'oauth.consent_expired':
      return { type: event.type, data: { grant_id: event.grant.id } };
    case 'permission.requested':
    case 'permission.decided':
      return {
        type: event.type,
        data: {
          request_id: event.request.id,
          tool_name: event.request.toolName,
          status: event.request.status,
          task_id: event.request.taskId,
        },
      };
  }
}

/**
 * An in-memory ring of recent events. Ids are `<boot>-<seq>`: the boot part tells a resume
 * after a restart (whose sequence started over) from a resume within this process.
 */
export function createEventFeed(boot: string, capacity = FEED_CAPACITY): EventFeed {
  const ring: FeedEntry[] = [];
  const listeners = new Set<(entry: FeedEntry) => void>();
  const closers = new Set<() => void>();
  let closed = false;
  let seq = 0;
  return {
    publish(event) {
      const wire = presentEvent(event);
      if (!wire) return;
      const entry = { id: `${boot}-${++seq}`, ...wire };
      ring.push(entry);
      if (ring.length > capacity) ring.shift();
      for (const listener of [...listeners]) listener(entry);
    },
    since(lastId) {
      const m = /^(.+)-(\d+)$/.exec(lastId);
      if (!m || m[1] !== boot) return null;
      const after = Number(m[2]);
      if (after > seq) return null;
      const first = ring[0];
      // The next wanted entry fell out of the ring: the gap cannot be filled.
      if (after < seq && first && Number(first.id.slice(boot.length + 1)) > after + 1) return null;
      return ring.filter((e) => Number(e.id.slice(boot.length + 1)) > after);
    },
    head: () => `${boot}-${seq}`,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    onClose(fn) {
      if (closed) {
        fn();
        return () => {};
      }
      closers.add(fn);
      return () => closers.delete(fn);
    },
    close() {
      closed = true;
      for (const fn of [...closers]) fn();
      closers.clear();
    },
  };
}
