import { Composer } from 'grammy';
import { refuseStranger } from '../../core/use-cases/refuse-stranger.js';
import { actorOf, type BotContext } from '../context.js';
import type { BotConfig, BotDeps } from '../deps.js';

const REFUSAL =
  'Sorry, this is a private bot: it runs work on its owner’s machines. ' +
  'If you should have access, ask the owner to add your Telegram id ({id}) to its config.';

/**
 * Who is talking: members from the config get an actor with their role; anyone else gets one
 * polite refusal and an audit entry, and nothing else happens.
 */
export function accessControl(deps: BotDeps, config: BotConfig) {
  const members = new Map(config.members.map((m) => [m.telegramId, m]));
  const composer = new Composer<BotContext>();
  composer.use(async (ctx, next) => {
    const from = ctx.from;
    const member = from ? members.get(from.id) : undefined;
    if (member) {
      ctx.member = member;
      ctx.actor = actorOf(member);
      return next();
    }
    if (!from || from.is_bot) return;
    await refuseStranger({
      deps: deps.core,
      input: {
        who: `telegram:${from.id}`,
        channel: 'telegram',
        attempted: ctx.callbackQuery
          ? 'button'
          : ctx.message?.text?.startsWith('/')
            ? 'command'
            : 'message',
        detail: { username: from.username ?? null, chat: ctx.chat?.id ?? null },
      },
    });
    const text = REFUSAL.replace('{id}', String(from.id));
    if (ctx.callbackQuery) await ctx.answerCallbackQuery({ text, show_alert: true });
    // In a group only a command gets the answer: replying to every message would be noise.
    else if (ctx.chat?.type === 'private' || ctx.message?.text?.startsWith('/'))
      await ctx.reply(text);
  });
  return composer;
}
