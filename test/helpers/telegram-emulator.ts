// A Telegram Bot API for tests: the npm `telegram-test-api` emulator on 127.0.0.1 behind a front
// server (telegram-emulator-front.ts) that fixes and fills in what the emulator lacks.
//
//   const emu = await startTelegramEmulator();
//   const bot = new Bot(emu.token, { client: { apiRoot: emu.apiRoot } });
//   await emu.user({ userId: 42 }).send('/start');
//   await emu.waitFor('the welcome', () => emu.messages(42).find((m) => m.text.includes('Hi')));
//   await emu.stop();
//
// The bot talks only to the front (apiRoot). User updates are made with the emulator's client and
// pulled into the front's queue, which serves getUpdates or, while a webhook is set, POSTs them.
// This file holds the Bot API message semantics (Message results, edits and their errors,
// documents, callback answers, commands) as handlers for the front.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { InlineKeyboardMarkup, MessageEntity } from 'grammy/types';
import {
  EmulatorFront,
  fail,
  obj,
  ok,
  startEmulator,
  str,
  type ApiCall,
  type Body,
  type BotApiFailure,
  type Handler,
  type Reply,
} from './telegram-emulator-front.js';

export type { ApiCall } from './telegram-emulator-front.js';

/** A message the bot sent, as it looks now (after edits). For a document, text is its caption. */
export interface SentMessage {
  chatId: number;
  messageId: number;
  text: string;
  entities: MessageEntity[];
  replyMarkup: InlineKeyboardMarkup | null;
  edits: number;
  document: { fileName: string; content: string; caption: string } | null;
  replyToMessageId: number | null;
  disableNotification: boolean;
}
export interface EmulatedUser {
  readonly userId: number;
  readonly chatId: number;
  /** A text message from this user; a leading /command gets a bot_command entity. */
  send(text: string, opts?: { replyTo?: number }): Promise<void>;
  /** A callback query on a bot message with that callback_data. */
  tap(messageId: number, data: string): Promise<void>;
}
export interface TelegramEmulator {
  /** Front URL to pass as TELEGRAM_API_ROOT / client.apiRoot. */
  readonly apiRoot: string;
  /** The bot token, like "123456:TEST-abc..." (the bot id is 123456); other tokens get 401. */
  readonly token: string;
  user(opts: {
    userId: number;
    chatId?: number;
    firstName?: string;
    chatType?: 'private' | 'group' | 'supergroup';
  }): EmulatedUser;
  /** Bot messages (sendMessage and sendDocument), in order; deleted ones are removed. */
  messages(chatId?: number): SentMessage[];
  /** Every Bot API call the bot made to the front. */
  calls(method?: string): ApiCall[];
  callbackAnswers(): { callbackQueryId: string; text: string | null; showAlert: boolean }[];
  /** The last setMyCommands body. */
  commands(): unknown;
  /** Poll (every 20 ms) until fn returns other than undefined/false; throw after timeoutMs (10 s). */
  waitFor<T>(what: string, fn: () => T | undefined | false, timeoutMs?: number): Promise<T>;
  /** The next `count` calls of `method` fail with this Bot API error. */
  failNext(method: string, count: number, error: BotApiFailure): void;
  /** HTTP statuses of webhook deliveries (0 when the connection failed), in order. */
  webhookStatuses(): number[];
  stop(): Promise<void>;
}

const NOT_MODIFIED =
  'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message';
const QUERY_TOO_OLD =
  'Bad Request: query is too old and response timeout expired or query ID is invalid';
const COMMAND = /^\/[A-Za-z0-9_]+(?:@[A-Za-z0-9_]+)?/;
const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
const entitiesOf = (v: unknown): MessageEntity[] => {
  const parsed = typeof v === 'string' ? obj(v) : v;
  return Array.isArray(parsed) ? (parsed as MessageEntity[]) : [];
};
const markupOf = (v: unknown): InlineKeyboardMarkup | null => {
  const m = obj(v);
  return m && Array.isArray(m.inline_keyboard) ? (m as unknown as InlineKeyboardMarkup) : null;
};
const textError = (text: string): Reply | null => {
  if (text.trim() === '') return fail(400, 'Bad Request: message text is empty');
  return text.length > 4096 ? fail(400, 'Bad Request: message is too long') : null;
};

export async function startTelegramEmulator(
  opts: { token?: string } = {},
): Promise<TelegramEmulator> {
  const token = opts.token ?? `123456:TEST-${randomBytes(12).toString('hex')}`;
  const botId = Number(token.split(':')[0]);
  const bot = { id: botId || 666, is_bot: true, first_name: 'Test Bot', username: 'TestNameBot' };
  const emulator = await startEmulator();
  // User and bot messages share the emulator's message id counter (global, not per chat);
  // documents never reach the emulator but take their ids from it too, so ids stay unique.
  const counter = emulator as unknown as { messageId: number };
  const sent: SentMessage[] = [];
  const dates = new Map<SentMessage, number>();
  const chats = new Map<number, Body>();
  const queries = new Map<string, boolean>(); // callback query id -> answered
  const answers: ReturnType<TelegramEmulator['callbackAnswers']> = [];
  let commands: unknown;

  const chatFor = (id: number): Body => chats.get(id) ?? { id, type: 'private', first_name: 'U' };
  const find = (chatId: unknown, messageId: unknown): SentMessage | undefined =>
    sent.find((m) => m.chatId === Number(chatId) && m.messageId === Number(messageId));
  const chatIdOf = (body: Body): number | Reply =>
    Number.isSafeInteger(Number(body.chat_id))
      ? Number(body.chat_id)
      : fail(400, 'Bad Request: chat not found');

  function toMessage(sm: SentMessage): Body {
    const chat = chatFor(sm.chatId);
    const msg: Body = { message_id: sm.messageId, from: bot, chat, date: dates.get(sm) ?? 0 };
    if (sm.document) {
      const { fileName, content, caption } = sm.document;
      const ids = { file_id: `doc${sm.messageId}`, file_unique_id: `udoc${sm.messageId}` };
      msg.document = { ...ids, file_name: fileName, file_size: Buffer.byteLength(content) };
      if (caption !== '') msg.caption = caption;
    } else {
      msg.text = sm.text;
      if (sm.entities.length > 0) msg.entities = sm.entities;
    }
    if (sm.replyMarkup) msg.reply_markup = sm.replyMarkup;
    if (sm.edits > 0) msg.edit_date = Math.floor(Date.now() / 1000);
    if (sm.replyToMessageId !== null)
      msg.reply_to_message = { message_id: sm.replyToMessageId, chat, date: msg.date };
    return msg;
  }

  type Base = Pick<SentMessage, 'chatId' | 'messageId' | 'text' | 'document'>;
  function record(body: Body, base: Base): Reply {
    const replyTo = Number(obj(body.reply_parameters)?.message_id ?? body.reply_to_message_id);
    const sm: SentMessage = {
      ...base,
      entities: entitiesOf(body.entities),
      replyMarkup: markupOf(body.reply_markup),
      edits: 0,
      replyToMessageId: Number.isSafeInteger(replyTo) ? replyTo : null,
      disableNotification: String(body.disable_notification) === 'true',
    };
    sent.push(sm);
    dates.set(sm, Math.floor(Date.now() / 1000));
    return ok(toMessage(sm));
  }

  function edit(isText: boolean, body: Body): Reply {
    const sm = find(body.chat_id, body.message_id);
    if (!sm) return fail(400, 'Bad Request: message to edit not found');
    if (isText && sm.document)
      return fail(400, 'Bad Request: there is no text in the message to edit');
    const text = isText ? str(body.text) : sm.text;
    const bad = isText ? textError(text) : null;
    if (bad) return bad;
    const entities = isText ? entitiesOf(body.entities) : sm.entities;
    const replyMarkup = markupOf(body.reply_markup); // omitted: the keyboard goes, as in Telegram
    if (text === sm.text && same(entities, sm.entities) && same(replyMarkup, sm.replyMarkup))
      return fail(400, NOT_MODIFIED);
    Object.assign(sm, { text, entities, replyMarkup, edits: sm.edits + 1 });
    return ok(toMessage(sm));
  }

  const handlers: Record<string, Handler> = {
    getMe: async (body) => {
      const r = await front.forward('getMe', body); // the emulator's user lacks is_bot and more
      const more = { can_join_groups: true, can_read_all_group_messages: false };
      return r.json.ok === true ? ok({ ...bot, ...more, supports_inline_queries: false }) : r;
    },
    sendMessage: async (body) => {
      const chatId = chatIdOf(body);
      if (typeof chatId !== 'number') return chatId;
      const text = str(body.text);
      const bad = textError(text);
      if (bad) return bad;
      const r = await front.forward('sendMessage', body); // result: no entities, date in ms
      if (r.json.ok !== true) return r;
      const messageId = Number(obj(r.json.result)?.message_id);
      return record(body, { chatId, messageId, text, document: null });
    },
    sendDocument: (body, files) => {
      const chatId = chatIdOf(body);
      if (typeof chatId !== 'number') return chatId;
      const ref = str(body.document);
      const file = files.get(ref.startsWith('attach://') ? ref.slice(9) : 'document');
      if (!file && ref === '') return fail(400, 'Bad Request: there is no document in the request');
      const caption = str(body.caption);
      if (caption.length > 1024) return fail(400, 'Bad Request: message caption is too long');
      const fileName = file?.fileName ?? (ref.split('/').pop() || 'document');
      const content = file?.content.toString('utf8') ?? '';
      const document = { fileName, content, caption };
      return record(body, { chatId, messageId: counter.messageId++, text: caption, document });
    },
    editMessageText: (body) => edit(true, body),
    editMessageReplyMarkup: (body) => edit(false, body),
    deleteMessage: async (body) => {
      const sm = find(body.chat_id, body.message_id);
      if (sm) sent.splice(sent.indexOf(sm), 1);
      const r = await front.forward('deleteMessage', body); // result null, not true
      return sm || r.json.ok === true
        ? ok(true)
        : fail(400, 'Bad Request: message to delete not found');
    },
    answerCallbackQuery: (body) => {
      const id = str(body.callback_query_id);
      if (queries.get(id) !== false) return fail(400, QUERY_TOO_OLD);
      queries.set(id, true);
      const text = body.text === undefined ? null : str(body.text);
      answers.push({ callbackQueryId: id, text, showAlert: String(body.show_alert) === 'true' });
      return ok(true);
    },
    setMyCommands: (body) => {
      commands = body;
      return ok(true);
    },
    getMyCommands: () => ok(obj(commands)?.commands ?? []),
    deleteMyCommands: () => {
      commands = undefined;
      return ok(true);
    },
  };
  for (const m of ['sendChatAction', 'setChatMenuButton', 'close', 'logOut'])
    handlers[m] = () => ok(true);

  /** Drops the token the emulator leaks into messages; real chat objects; callback query ids. */
  function onUpdate(update: Body): void {
    const query = obj(update.callback_query);
    const message = obj(update.message) ?? obj(query?.message);
    const chatId = Number(obj(message?.chat)?.id);
    if (message) delete message.botToken;
    if (message) message.chat = chatFor(chatId);
    if (query) queries.set(str(query.id), false);
    if (query) query.chat_instance = `ci${chatId}`;
  }

  const front = new EmulatorFront(emulator.config.apiURL, token, handlers, onUpdate);
  const apiRoot = await front.listen();
  const messages = (chatId?: number): SentMessage[] =>
    sent.filter((m) => chatId === undefined || m.chatId === chatId);

  return {
    apiRoot,
    token,
    user({ userId, chatId = userId, firstName = `User${userId}`, chatType = 'private' }) {
      const userName = `user${userId}`;
      const chatTitle = `Chat ${chatId}`;
      const isPrivate = chatType === 'private';
      const chat = isPrivate ? { first_name: firstName, username: userName } : { title: chatTitle };
      chats.set(chatId, { id: chatId, type: chatType, ...chat });
      const options = { userId, chatId, firstName, userName, chatTitle, type: chatType };
      const client = emulator.getClient(token, options);
      const messageFor = (id: number): Body => {
        const target = find(chatId, id);
        return target ? toMessage(target) : { message_id: id, chat: chatFor(chatId), date: 0 };
      };
      return {
        userId,
        chatId,
        async send(text, { replyTo } = {}) {
          const command = COMMAND.exec(text)?.[0];
          const message: Body = { ...client.makeMessage(text) };
          if (command)
            message.entities = [{ type: 'bot_command', offset: 0, length: command.length }];
          if (replyTo !== undefined) message.reply_to_message = messageFor(replyTo);
          await client.sendMessage(message as ReturnType<typeof client.makeMessage>);
          await front.pull();
        },
        async tap(messageId, data) {
          // Not makeCallbackQuery(data, { message }): its query and message share one `from`
          // object, so deep-merging the bot message would make the bot the tapper.
          const query = { ...client.makeCallbackQuery(data), message: messageFor(messageId) };
          await client.sendCallback(query as ReturnType<typeof client.makeCallbackQuery>);
          await front.pull();
        },
      };
    },
    messages,
    calls: (method) => front.calls.filter((c) => method === undefined || c.method === method),
    callbackAnswers: () => [...answers],
    commands: () => commands,
    async waitFor<T>(what: string, fn: () => T | undefined | false, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (let value = fn(); Date.now() < deadline; value = fn()) {
        if (value !== undefined && value !== false) return value;
        await sleep(20);
      }
      const value = fn();
      if (value !== undefined && value !== false) return value;
      const last = messages()
        .slice(-5)
        .map((m) => `  [${m.chatId}#${m.messageId}] ${m.document?.fileName ?? ''} ${m.text}`);
      const shown = last.join('\n') || '  (none)';
      throw new Error(
        `Timed out after ${timeoutMs} ms waiting for ${what}; bot messages:\n${shown}`,
      );
    },
    failNext: (method, count, error) => front.failNext(method, count, error),
    webhookStatuses: () => [...front.webhookStatuses],
    async stop() {
      await front.stop();
      await emulator.stop();
    },
  };
}
