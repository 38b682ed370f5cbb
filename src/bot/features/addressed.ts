import { Composer } from 'grammy';
import type { Message, UserFromGetMe } from 'grammy/types';
import type { BotContext } from '../context.js';

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const mentionOf = (username: string) =>
  new RegExp(`(^|[^\\w@])@${escape(username)}(?![\\w])[,:]?`, 'giu');

/** Is this group message for the bot: a command to it, a mention of it, or a reply to it? */
export function isAddressed(message: Message, me: UserFromGetMe): boolean {
  const text = message.text ?? message.caption ?? '';
  const command = /^\/[A-Za-z0-9_]+(?:@([A-Za-z0-9_]+))?(?:\s|$)/u.exec(text);
  // "/status@OtherBot" is for another bot in the same group.
  if (command) return !command[1] || command[1].toLowerCase() === me.username.toLowerCase();
  if (message.reply_to_message?.from?.id === me.id) return true;
  const entities = message.entities ?? message.caption_entities ?? [];
  if (entities.some((e) => e.type === 'text_mention' && e.user.id === me.id)) return true;
  return mentionOf(me.username).test(text);
}

/** The text without "@ThisBot": a mention addresses the bot, it is no part of the request. */
export const withoutMention = (text: string, username: string): string =>
  text.replace(mentionOf(username), '$1').replace(/\s+/g, ' ').trim();

/**
 * In a group or supergroup the bot acts only on what is addressed to it: commands, messages
 * that @mention it, replies to its own messages. Everything else is ignored in silence — no
 * task, no answer, no audit line — since an admin bot, or one with privacy mode off, is sent
 * every message of the group. Taps on its buttons and private chats pass as before.
 */
export function addressedOnly() {
  const composer = new Composer<BotContext>();
  composer.use(async (ctx, next) => {
    const type = ctx.chat?.type;
    const message = ctx.message ?? ctx.editedMessage;
    if ((type === 'group' || type === 'supergroup') && message && !isAddressed(message, ctx.me))
      return;
    return next();
  });
  return composer;
}
