import { run, type RunnerHandle } from '@grammyjs/runner';
import { GrammyError, type Bot } from 'grammy';
import type { Update } from 'grammy/types';
import type { Logger } from '../core/ports/logger.js';
import type { BotContext } from './context.js';
import type { UpdateIntake } from './intake.js';

export interface PollingOptions {
  /** After a 409 (another poller, or a webhook is set) the wait starts here, doubling… */
  readonly conflictRetryMs?: number | undefined;
  /** …up to this. */
  readonly conflictRetryMaxMs?: number | undefined;
  readonly timeoutS?: number | undefined;
  /** Chats told when another process takes this bot's updates (the owners'). */
  readonly alertChats?: readonly number[] | undefined;
  /** At most one such alert per this long: two pollers fighting 409 each other every second. */
  readonly alertEveryMs?: number | undefined;
  readonly now?: (() => number) | undefined;
}

const ALERT_EVERY_MS = 15 * 60_000;

/** What the owners read: the cause and the fix, no jargon beyond what they must search for. */
export const conflictAlertText = (description: string): string =>
  '⚠️ Another process is receiving this bot’s Telegram updates, so some messages and taps ' +
  `may never reach this Switchboard (409 Conflict: ${description.slice(0, 200)}). ` +
  'Stop the other instance, or remove its webhook.';

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });

/**
 * Long polling with @grammyjs/runner. Each batch is stored in the intake before the next
 * getUpdates call (whose offset is what acknowledges it), so a crash loses nothing. A 409 is
 * reported once in plain words and retried slowly: never a crash loop.
 */
export async function startPolling(
  bot: Bot<BotContext>,
  intake: UpdateIntake,
  log: Logger,
  options: PollingOptions = {},
): Promise<RunnerHandle> {
  await bot.init();
  // Polling and a webhook exclude each other: a leftover webhook would make every poll a 409.
  await bot.api.deleteWebhook();
  let conflicted = false;
  let alertedAt = -Infinity;
  const now = options.now ?? Date.now;
  const alertEvery = options.alertEveryMs ?? ALERT_EVERY_MS;
  // A 409 is never benign: Telegram answers it to the poll another getUpdates (or a webhook)
  // replaced, so updates are going elsewhere. The log hears of it at once, the owners too.
  const alert = (description: string) => {
    if (now() - alertedAt < alertEvery) return;
    alertedAt = now();
    for (const chatId of options.alertChats ?? []) {
      bot.api
        .sendMessage(chatId, conflictAlertText(description))
        .catch((e: unknown) =>
          log.warn('telegram: could not send the polling conflict alert', { error: String(e) }),
        );
    }
  };
  const first = options.conflictRetryMs ?? 1_000;
  const max = options.conflictRetryMaxMs ?? 30_000;
  let wait = first;
  return run(
    {
      handleUpdate: async () => {},
      errorHandler: (e) => log.error('telegram: polling failed', { error: String(e) }),
      api: {
        async getUpdates(args, runnerSignal) {
          // The runner ships its own AbortSignal type; at runtime it is the platform's.
          const signal = runnerSignal as unknown as AbortSignal;
          for (;;) {
            try {
              const updates = await bot.api.getUpdates(
                {
                  ...args,
                  timeout: options.timeoutS ?? args.timeout,
                  allowed_updates: ['message', 'callback_query'],
                },
                runnerSignal,
              );
              if (conflicted) log.info('telegram: polling again; the other bot instance is gone');
              conflicted = false;
              wait = first;
              for (const u of updates) await intake.accept(u as Update);
              return updates;
            } catch (e) {
              if (signal.aborted || !(e instanceof GrammyError) || e.error_code !== 409) throw e;
              alert(e.description);
              if (!conflicted) {
                log.error(
                  'telegram: another process is receiving this bot’s updates (409 Conflict: ' +
                    `${e.description}). Stop the other instance or remove its webhook; retrying, ` +
                    `at most every ${Math.round(max / 1000)} s.`,
                );
              }
              conflicted = true;
              // A restart's old poll can linger for a moment: retry soon, then back off.
              await sleep(wait, signal);
              wait = Math.min(wait * 2, max);
              if (signal.aborted) throw e;
            }
          }
        },
      },
    },
    {
      runner: { silent: true, retryInterval: 'exponential', maxRetryTime: Number.MAX_SAFE_INTEGER },
      sink: { concurrency: 1 },
    },
  );
}
