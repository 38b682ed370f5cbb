import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { GatewayEnv } from '../deps.js';
import type { EventFeed, FeedEntry } from '../event-feed.js';

/** Proxies and phone networks drop idle connections; a comment line every so often keeps it. */
const KEEP_ALIVE_MS = 15_000;
/** How soon a browser reconnects after the stream breaks (EventSource's `retry`). */
const RETRY_MS = 2_000;

/**
 * GET /api/events: the domain events as Server-Sent Events. A reconnecting browser sends
 * Last-Event-ID and gets what it missed from the feed's buffer, or a `reset` event when the
 * gap cannot be filled (restart, too long away), after which it reloads its lists.
 */
export function createEventsRoute(feed: EventFeed, keepAliveMs = KEEP_ALIVE_MS) {
  return new Hono<GatewayEnv>().get('/', (c) => {
    const lastId = c.req.header('last-event-id') ?? c.req.query('last_event_id');
    c.header('Cache-Control', 'no-store');
    c.header('X-Accel-Buffering', 'no');
    return streamSSE(c, async (stream) => {
      const queue: FeedEntry[] = [];
      let wake: (() => void) | null = null;
      let open = true;
      // Subscribing and reading the backlog happen in one tick: nothing can fall between them.
      const unsubscribe = feed.subscribe((entry) => {
        queue.push(entry);
        wake?.();
      });
      const missed = lastId ? feed.since(lastId) : [];
      const head = feed.head();
      const end = () => {
        open = false;
        unsubscribe();
        wake?.();
      };
      stream.onAbort(end);
      const unclose = feed.onClose(end);
      try {
        if (missed === null) {
          await stream.writeSSE({ event: 'reset', data: '{}', id: head, retry: RETRY_MS });
        } else {
          await stream.writeSSE({ event: 'hello', data: '{}', id: head, retry: RETRY_MS });
          queue.unshift(...missed);
        }
        while (open) {
          const entry = queue.shift();
          if (entry) {
            await stream.writeSSE({
              event: entry.type,
              data: JSON.stringify(entry.data),
              id: entry.id,
            });
            continue;
          }
          const idle = await new Promise<boolean>((resolve) => {
            const timer = setTimeout(() => resolve(true), keepAliveMs);
            wake = () => {
              clearTimeout(timer);
              resolve(false);
            };
          });
          wake = null;
          if (idle && open) await stream.write(': keep-alive\n\n');
        }
      } finally {
        unsubscribe();
        unclose();
      }
    });
  });
}
