import { GrammyError, InputFile, type Api } from 'grammy';
import type { InlineKeyboardButton, Message } from 'grammy/types';
import type { RichText } from './views/rich-text.js';
import { splitMessage } from './views/split-message.js';

export interface SendOptions {
  readonly keyboard?: InlineKeyboardButton[][] | undefined;
  readonly replyTo?: number | undefined;
  /** Progress is silent; only the end of a task makes the phone buzz. */
  readonly silent?: boolean | undefined;
}

const markup = (keyboard: InlineKeyboardButton[][] | undefined) =>
  keyboard?.length ? { reply_markup: { inline_keyboard: keyboard } } : {};

const replyParams = (replyTo: number | undefined) =>
  replyTo ? { reply_parameters: { message_id: replyTo, allow_sending_without_reply: true } } : {};

/**
 * Sends rich text, split into as many messages as Telegram's 4096-character limit needs
 * (entities never broken); the buttons go on the last piece. Returns the messages sent.
 */
export async function sendRich(
  api: Api,
  chatId: number,
  text: RichText,
  options: SendOptions = {},
): Promise<Message.TextMessage[]> {
  const pieces = splitMessage(text);
  const sent: Message.TextMessage[] = [];
  for (const [i, piece] of pieces.entries()) {
    const last = i === pieces.length - 1;
    sent.push(
      await api.sendMessage(chatId, piece.text, {
        entities: [...piece.entities],
        link_preview_options: { is_disabled: true },
        ...(options.silent ? { disable_notification: true } : {}),
        ...(i === 0 ? replyParams(options.replyTo) : {}),
        ...(last ? markup(options.keyboard) : {}),
      }),
    );
  }
  return sent;
}

// The Bot API's exact words for "nothing to change" and "that message is no more". Anything
// else ("chat not found", entity errors, …) is a fault and must reach the caller's log.
const NOT_MODIFIED = /^Bad Request: message is not modified\b/;
const GONE = /^Bad Request: (message to edit not found|message can't be edited)\b/;

/** Edits a message in place; an unchanged one counts as done, a vanished one as gone. */
export async function editRich(
  api: Api,
  chatId: number,
  messageId: number,
  text: RichText,
  keyboard: InlineKeyboardButton[][],
): Promise<'edited' | 'unchanged' | 'gone'> {
  const piece = splitMessage(text)[0] ?? { text: '…', entities: [] };
  try {
    await api.editMessageText(chatId, messageId, piece.text, {
      entities: [...piece.entities],
      link_preview_options: { is_disabled: true },
      reply_markup: { inline_keyboard: keyboard },
    });
    return 'edited';
  } catch (e) {
    if (e instanceof GrammyError && e.error_code === 400) {
      if (NOT_MODIFIED.test(e.description)) return 'unchanged';
      if (GONE.test(e.description)) return 'gone';
    }
    throw e;
  }
}

/** Output too long for messages goes as a .txt document. */
export function sendTextFile(
  api: Api,
  chatId: number,
  fileName: string,
  content: string,
  caption: string,
  options: SendOptions = {},
) {
  return api.sendDocument(chatId, new InputFile(new TextEncoder().encode(content), fileName), {
    caption: caption.slice(0, 1_000),
    ...(options.silent ? { disable_notification: true } : {}),
    ...replyParams(options.replyTo),
    ...markup(options.keyboard),
  });
}
