import { autoRetry } from '@grammyjs/auto-retry';
import { apiThrottler } from '@grammyjs/transformer-throttler';
import { Bot } from 'grammy';
import type { BotContext } from './context.js';
import type { BotConfig, BotDeps } from './deps.js';
import { accessControl } from './features/access.js';
import { addressedOnly } from './features/addressed.js';
import { commands } from './features/commands.js';
import { consentButtons } from './features/consent-buttons.js';
import { ladderButtons } from './features/ladder-buttons.js';
import { permissionButtons } from './features/permission-buttons.js';
import { recordRefusedTap } from './features/refused-tap.js';
import { requests } from './features/requests.js';
import { taskButtons } from './features/task-buttons.js';
import { createTaskBoard, type TaskBoard } from './task-board.js';

export interface TelegramBot {
  readonly bot: Bot<BotContext>;
  /** The notifier side: keeps each task's messages current, sends cards and alerts. */
  readonly board: TaskBoard;
}

/** Retries after a 429 at most this long; longer waits fail the call instead of stalling. */
const MAX_RETRY_AFTER_S = 60;

/**
 * The bot, one Composer per feature. Outgoing calls share one throttler (Telegram's rate
 * limits) and honour 429 retry_after (auto-retry); updates arrive through the intake.
 */
export function createBot(
  deps: Omit<BotDeps, 'board'>,
  config: BotConfig & {
    readonly editEveryMs?: number | undefined;
    /** A Worker's request must not sit out a long 429: it fails the call sooner. */
    readonly maxRetryAfterS?: number | undefined;
  },
): TelegramBot {
  const bot = new Bot<BotContext>(config.token, {
    ...(config.botInfo ? { botInfo: config.botInfo } : {}),
    client: { ...(config.apiRoot ? { apiRoot: config.apiRoot } : {}) },
  });
  bot.api.config.use(
    autoRetry({ maxRetryAttempts: 3, maxDelaySeconds: config.maxRetryAfterS ?? MAX_RETRY_AFTER_S }),
  );
  bot.api.config.use(apiThrottler());
  const board = createTaskBoard(bot.api, deps, {
    members: config.members,
    taskHaltUsd: config.taskHaltUsd,
    publicUrl: config.publicUrl,
    editEveryMs: config.editEveryMs,
  });
  const full: BotDeps = { ...deps, board };
  // First: chatter in a group never reaches access control (no refusal, no audit line).
  bot.use(addressedOnly());
  bot.use(accessControl(full, config));
  bot.use(commands(full, config));
  bot.use(permissionButtons(full));
  bot.use(taskButtons(full, config));
  bot.use(ladderButtons(full, config));
  bot.use(consentButtons(full));
  bot.use(requests(full, config));
  // Every tap gets an answer, even one on a button we no longer recognise; a member's such
  // tap (data no handler parsed: forged or from an older version) is on the record.
  bot.on('callback_query', async (ctx) => {
    await ctx.answerCallbackQuery({ text: 'This button is no longer active.' });
    await recordRefusedTap(ctx, full, 'callback', 'malformed');
  });
  bot.catch((e) =>
    deps.log.error('telegram: handler failed', {
      update_id: e.ctx.update.update_id,
      error: String(e.error),
    }),
  );
  return { bot, board };
}
