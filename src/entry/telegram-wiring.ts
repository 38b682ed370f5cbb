import { createHash } from 'node:crypto';
import type { RunnerHandle } from '@grammyjs/runner';
import { COMMANDS } from '../bot/features/commands.js';
import { abortableCalls } from '../bot/abortable-calls.js';
import { createBot } from '../bot/create-bot.js';
import { createUpdateIntake } from '../bot/intake.js';
import { startPolling } from '../bot/polling.js';
import type { CoreDeps } from '../core/deps.js';
import type { Notifier } from '../core/ports/notifier.js';
import type { Logger } from '../core/ports/logger.js';
import type { Database } from '../db/client.js';
import { createLibsqlChatStores } from '../db/repositories/chat-stores.js';
import { createOAuthStore } from '../db/repositories/oauth-store.js';
import type { TelegramWebhook } from '../gateway/deps.js';
import type { Config } from './config/config.js';

/** Handled updates are kept this long for dedupe; Telegram gives up redelivering after a day. */
const KEEP_UPDATES_MS = 2 * 24 * 3600_000;

export interface TelegramService {
  readonly mode: 'webhook' | 'polling';
  readonly notifier: Notifier;
  readonly webhook: TelegramWebhook | null;
  /** After the HTTP server listens: commands, webhook or polling, updates left from before. */
  start(): Promise<void>;
  maintenance(): Promise<void>;
  stop(): Promise<void>;
}

/** Telegram allows A–Z, a–z, 0–9, _ and -; without a configured one, derive it from the token. */
export const webhookSecretOf = (config: Config, token: string): string =>
  config.telegram.webhookSecret ??
  createHash('sha256').update(`switchboard-webhook:${token}`).digest('hex');

/** The bot, its intake and its board, when TELEGRAM_BOT_TOKEN is set; null otherwise. */
export function createTelegramService(
  config: Config,
  core: CoreDeps,
  db: Database,
  log: Logger,
): TelegramService | null {
  const token = config.telegram.botToken;
  if (!token) return null;
  const chatStores = createLibsqlChatStores(db);
  const { bot, board } = createBot(
    {
      core,
      chats: chatStores.chats,
      logins: chatStores.logins,
      oauth: createOAuthStore(db),
      log,
    },
    {
      token,
      apiRoot: config.telegram.apiRoot,
      members: config.users.map((u) => ({ telegramId: u.telegram_id, name: u.name, role: u.role })),
      hosts: config.hosts.map((h) => ({ name: h.name, address: h.address })),
      publicUrl: config.publicUrl,
      taskHaltUsd: config.breakers.taskHaltUsd,
      editEveryMs: config.telegram.editEveryMs,
    },
  );
  // A long-running process must be able to stop while a call still retries (see abortable-calls).
  const abortCalls = abortableCalls(bot.api);
  let ready: Promise<void> | null = null;
  const init = () => (ready ??= bot.init());
  const intake = createUpdateIntake({
    inbox: chatStores.inbox,
    clock: core.clock,
    log,
    handle: async (update) => {
      await init();
      await bot.handleUpdate(update);
    },
  });
  const mode = config.publicUrl ? 'webhook' : 'polling';
  const secret = webhookSecretOf(config, token);
  let polling: RunnerHandle | null = null;
  return {
    mode,
    notifier: board,
    webhook: mode === 'webhook' ? { secret, accept: (u) => intake.accept(u) } : null,
    async start() {
      try {
        await init();
      } catch (e) {
        ready = null;
        log.error('telegram: the Bot API refused the bot token or is unreachable; the bot is off', {
          error: String(e),
        });
        return;
      }
      const resumed = await intake.resume();
      if (resumed)
        log.info('telegram: handled updates left from before the restart', { count: resumed });
      await bot.api
        .setMyCommands(COMMANDS)
        .catch((e: unknown) => log.warn('telegram: setMyCommands failed', { error: String(e) }));
      if (mode === 'webhook') {
        const url = `${config.publicUrl}/telegram/webhook`;
        await bot.api
          .setWebhook(url, { secret_token: secret, allowed_updates: ['message', 'callback_query'] })
          .then(() => log.info('telegram: webhook set', { url }))
          .catch((e: unknown) =>
            log.error('telegram: setWebhook failed', { url, error: String(e) }),
          );
      } else {
        // Owners hear of a second poller in the chat too: the log alone may go unread.
        const owners = config.users.filter((u) => u.role === 'owner').map((u) => u.telegram_id);
        polling = await startPolling(bot, intake, log, { alertChats: owners });
        log.info('telegram: long polling');
      }
    },
    async maintenance() {
      await chatStores.inbox.prune(
        new Date(core.clock.now().getTime() - KEEP_UPDATES_MS).toISOString(),
      );
    },
    async stop() {
      if (polling?.isRunning()) await polling.stop();
      await intake.stop();
      // Pending edits get a moment; a hung Bot API must not hold the shutdown.
      await Promise.race([board.idle(), new Promise((r) => setTimeout(r, 3_000).unref())]);
      board.stop();
      abortCalls();
    },
  };
}
