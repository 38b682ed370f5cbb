import type { Update } from 'grammy/types';
import type { Clock } from '../core/ports/clock.js';
import type { Logger } from '../core/ports/logger.js';
import type { UpdateInbox } from '../core/ports/update-inbox.js';

/** Persist first, acknowledge second, handle after: nothing Telegram delivered is lost. */
export interface UpdateIntake {
  /** Stores the update; true if it is new (a redelivery is acknowledged and dropped). */
  accept(update: Update): Promise<boolean>;
  /**
   * Hands over updates stored but not handled before a stop, in order. With `receivedBefore`,
   * only those older than that: younger ones may still be in hand elsewhere (another isolate).
   */
  resume(options?: { readonly receivedBefore?: string }): Promise<number>;
  /** Resolves when every accepted update has been handled. */
  idle(): Promise<void>;
  /** Accepts nothing more; resolves when what was accepted is handled. */
  stop(): Promise<void>;
}

/** The chat an update belongs to, so its updates are handled in the order they were sent. */
export function chatOf(update: Update): number | null {
  const u = update as unknown as Partial<
    Record<string, { chat?: { id: number }; message?: { chat?: { id: number } } }>
  >;
  for (const k of [
    'message',
    'edited_message',
    'channel_post',
    'callback_query',
    'my_chat_member',
  ]) {
    const v = u[k];
    const id = v?.chat?.id ?? v?.message?.chat?.id;
    if (typeof id === 'number') return id;
  }
  return null;
}

const RESUME_BATCH = 500;

export function createUpdateIntake(deps: {
  readonly inbox: UpdateInbox;
  readonly clock: Clock;
  readonly log: Logger;
  /** Runs the bot on one update (bot.handleUpdate); errors are logged, never rethrown. */
  readonly handle: (update: Update) => Promise<void>;
}): UpdateIntake {
  const chains = new Map<number | null, Promise<void>>();
  const inFlight = new Set<Promise<void>>();
  let stopped = false;

  async function run(update: Update) {
    let outcome: 'done' | 'failed' = 'done';
    try {
      await deps.handle(update);
    } catch (e) {
      outcome = 'failed';
      deps.log.error('telegram: an update failed', {
        update_id: update.update_id,
        error: String(e),
      });
    }
    try {
      await deps.inbox.markHandled(update.update_id, outcome, deps.clock.now().toISOString());
    } catch (e) {
      // Left pending: handled again after a restart, which the handlers tolerate (taps are
      // checked against the database, a repeated message makes at most a second task).
      deps.log.warn('telegram: could not mark an update handled', {
        update_id: update.update_id,
        error: String(e),
      });
    }
  }

  function dispatch(update: Update) {
    let job: Promise<void>;
    if (update.callback_query) {
      // A tap never waits behind the chat's queue: it may be what that queue is waiting for.
      job = run(update);
    } else {
      const chat = chatOf(update);
      const previous = chains.get(chat) ?? Promise.resolve();
      job = previous.then(() => run(update));
      chains.set(chat, job);
      void job.then(() => {
        if (chains.get(chat) === job) chains.delete(chat);
      });
    }
    inFlight.add(job);
    void job.finally(() => inFlight.delete(job));
  }

  return {
    async accept(update) {
      if (stopped) throw new Error('the update intake is stopped');
      const fresh = await deps.inbox.accept({
        updateId: update.update_id,
        chatId: chatOf(update),
        payload: update,
        receivedAt: deps.clock.now().toISOString(),
      });
      if (fresh) dispatch(update);
      return fresh;
    },
    async resume(options = {}) {
      let n = 0;
      const seen = new Set<number>();
      const before = options.receivedBefore;
      for (;;) {
        const batch = (await deps.inbox.pending(RESUME_BATCH)).filter(
          (u) => !seen.has(u.updateId) && (before === undefined || u.receivedAt < before),
        );
        if (!batch.length) return n;
        for (const u of batch) {
          seen.add(u.updateId);
          dispatch(u.payload as Update);
          n++;
        }
        await this.idle();
      }
    },
    async idle() {
      while (inFlight.size) await Promise.all([...inFlight]);
    },
    async stop() {
      stopped = true;
      await this.idle();
    },
  };
}
