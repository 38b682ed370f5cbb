// Proves the Telegram emulator harness (test/helpers/telegram-emulator.ts) against a real grammY Bot.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Bot, GrammyError, InlineKeyboard, InputFile } from 'grammy';
import type { Message, Update } from 'grammy/types';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startTelegramEmulator, type TelegramEmulator } from '../helpers/telegram-emulator.js';

const NOT_MODIFIED =
  'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message';
const QUERY_TOO_OLD =
  'Bad Request: query is too old and response timeout expired or query ID is invalid';

async function grammyError(p: Promise<unknown>): Promise<GrammyError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(GrammyError);
  return err as GrammyError;
}

describe('telegram emulator harness', () => {
  let emu: TelegramEmulator;
  let bot: Bot;

  /** getUpdates, then confirm what came back (offset = last + 1). */
  async function take(timeout = 0): Promise<Update[]> {
    const updates = await bot.api.getUpdates({ timeout });
    const last = updates.at(-1);
    if (last) await bot.api.getUpdates({ offset: last.update_id + 1, timeout: 0 });
    return updates;
  }

  beforeAll(async () => {
    emu = await startTelegramEmulator();
    bot = new Bot(emu.token, { client: { apiRoot: emu.apiRoot } });
  });
  afterAll(async () => {
    await emu?.stop();
  });

  it('delivers a user message through getUpdates and honours offsets', async () => {
    const alice = emu.user({ userId: 101, firstName: 'Alice' });
    await alice.send('/start@TestNameBot now');
    const updates = await bot.api.getUpdates({ timeout: 0 });
    expect(updates).toHaveLength(1);
    const msg = updates[0]?.message;
    expect(msg?.text).toBe('/start@TestNameBot now');
    expect(msg?.entities).toEqual([{ type: 'bot_command', offset: 0, length: 18 }]);
    expect(msg?.from).toMatchObject({ id: 101, first_name: 'Alice', is_bot: false });
    expect(msg?.chat).toEqual({
      id: 101,
      type: 'private',
      first_name: 'Alice',
      username: 'user101',
    });
    expect(msg).not.toHaveProperty('botToken');
    const id = updates[0]?.update_id ?? -1;
    // Unconfirmed updates come back; an offset past them confirms them.
    expect((await bot.api.getUpdates({ timeout: 0 })).map((u) => u.update_id)).toEqual([id]);
    expect(await bot.api.getUpdates({ offset: id + 1, timeout: 0 })).toEqual([]);
    expect(await bot.api.getUpdates({ timeout: 0 })).toEqual([]);

    const me = await bot.api.getMe();
    expect(me).toMatchObject({ id: 123456, is_bot: true, username: 'TestNameBot' });
  });

  it('long-polls until an update arrives', async () => {
    const alice = emu.user({ userId: 101, firstName: 'Alice' });
    const started = Date.now();
    const poll = bot.api.getUpdates({ timeout: 5 });
    await sleep(150);
    await alice.send('plain text');
    const updates = await poll;
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(updates.map((u) => u.message?.text)).toEqual(['plain text']);
    expect(updates[0]?.message?.entities).toBeUndefined();
    await take();
  });

  it('runs a bot with bot.start(): the handler replies and the reply is recorded', async () => {
    const running = new Bot(emu.token, { client: { apiRoot: emu.apiRoot } });
    running.on('message:text', (ctx) =>
      ctx.reply(`echo: ${ctx.message.text}`, {
        reply_parameters: { message_id: ctx.message.message_id },
      }),
    );
    let started = false;
    const done = running.start({ onStart: () => void (started = true) });
    const bob = emu.user({ userId: 202 });
    await bob.send('ping');
    const reply = await emu.waitFor('the echo', () =>
      emu.messages(202).find((m) => m.text === 'echo: ping'),
    );
    expect(started).toBe(true);
    expect(reply.replyToMessageId).toEqual(expect.any(Number));
    expect(reply.messageId).toBeGreaterThan(reply.replyToMessageId ?? Infinity);
    expect(reply).toMatchObject({ chatId: 202, edits: 0, document: null, replyMarkup: null });
    await running.stop();
    await done;
    // bot.stop() confirmed the offset: nothing is left for the next poller.
    expect(await bot.api.getUpdates({ timeout: 0 })).toEqual([]);
    expect(emu.calls('getUpdates').length).toBeGreaterThanOrEqual(2);
  });

  it('edits messages, and rejects identical edits, unknown messages and long texts', async () => {
    const kb = new InlineKeyboard().text('Go', 'go');
    const sent = await bot.api.sendMessage(303, 'step 1', { reply_markup: kb });
    expect(sent).toMatchObject({ chat: { id: 303 }, text: 'step 1', reply_markup: kb });
    expect(sent.message_id).toBeGreaterThan(0);
    const edited = (await bot.api.editMessageText(303, sent.message_id, 'step 2', {
      reply_markup: kb,
    })) as Message;
    expect(edited).toMatchObject({ message_id: sent.message_id, text: 'step 2', reply_markup: kb });
    expect(emu.messages(303)).toMatchObject([{ text: 'step 2', edits: 1, replyMarkup: kb }]);

    const again = await grammyError(
      bot.api.editMessageText(303, sent.message_id, 'step 2', { reply_markup: kb }),
    );
    expect(again.error_code).toBe(400);
    expect(again.description).toBe(NOT_MODIFIED);

    // Editing the text without reply_markup drops the keyboard (as Telegram does); then the
    // keyboard-only edit with the same (absent) markup is "not modified".
    await bot.api.editMessageText(303, sent.message_id, 'step 3');
    expect(emu.messages(303)[0]).toMatchObject({ text: 'step 3', edits: 2, replyMarkup: null });
    const markup = await grammyError(bot.api.editMessageReplyMarkup(303, sent.message_id));
    expect(markup.description).toBe(NOT_MODIFIED);

    const missing = await grammyError(bot.api.editMessageText(303, 999_999, 'x'));
    expect(missing.description).toBe('Bad Request: message to edit not found');
    const long = await grammyError(bot.api.sendMessage(303, 'x'.repeat(4097)));
    expect(long.description).toBe('Bad Request: message is too long');
    expect(emu.messages(303)).toHaveLength(1);
  });

  it('records documents sent as multipart uploads', async () => {
    const before = await bot.api.sendMessage(404, 'here it comes');
    const doc = await bot.api.sendDocument(404, new InputFile(Buffer.from('hello'), 'out.txt'), {
      caption: 'the file',
      disable_notification: true,
    });
    expect(doc.document).toMatchObject({ file_name: 'out.txt', file_size: 5 });
    expect(doc.caption).toBe('the file');
    expect(doc.message_id).toBeGreaterThan(before.message_id);
    expect(emu.messages(404)[1]).toMatchObject({
      messageId: doc.message_id,
      document: { fileName: 'out.txt', content: 'hello', caption: 'the file' },
      disableNotification: true,
    });
  });

  it('turns a tap into a callback query that can be answered once', async () => {
    const carol = emu.user({ userId: 505 });
    const kb = new InlineKeyboard().text('Approve', 'approve:7');
    const sent = await bot.api.sendMessage(505, 'Approve?', { reply_markup: kb });
    await carol.tap(sent.message_id, 'approve:7');
    const [update] = await take();
    const query = update?.callback_query;
    expect(query?.data).toBe('approve:7');
    expect(query?.from.id).toBe(505);
    expect(query?.message).toMatchObject({ message_id: sent.message_id, text: 'Approve?' });
    expect(query?.message?.chat.id).toBe(505);

    await bot.api.answerCallbackQuery(query?.id ?? '', { text: 'Done' });
    const second = await grammyError(bot.api.answerCallbackQuery(query?.id ?? ''));
    expect(second.description).toBe(QUERY_TOO_OLD);
    expect(emu.callbackAnswers()).toEqual([
      { callbackQueryId: query?.id, text: 'Done', showAlert: false },
    ]);
  });

  it('injects failures with failNext', async () => {
    emu.failNext('sendMessage', 1, {
      error_code: 429,
      description: 'Too Many Requests: retry after 1',
      retry_after: 1,
    });
    const err = await grammyError(bot.api.sendMessage(606, 'first try'));
    expect(err.error_code).toBe(429);
    expect(err.parameters.retry_after).toBe(1);
    await bot.api.sendMessage(606, 'second try');
    expect(emu.messages(606).map((m) => m.text)).toEqual(['second try']);
    expect(emu.calls('sendMessage').filter((c) => c.body.chat_id === 606)).toHaveLength(2);
  });

  it('answers the older of two concurrent long polls with 409 Conflict', async () => {
    const older = bot.api.getUpdates({ timeout: 3 });
    await sleep(100);
    const newer = bot.api.getUpdates({ timeout: 3 });
    const conflict = await grammyError(older);
    expect(conflict.error_code).toBe(409);
    expect(conflict.description).toMatch(/^Conflict: terminated by other getUpdates request/);
    await emu.user({ userId: 101 }).send('for the newer poll');
    expect((await newer).map((u) => u.message?.text)).toEqual(['for the newer poll']);
    await take();
  });

  it('supports commands, 401 for other tokens and 404 for unknown methods', async () => {
    await bot.api.setMyCommands([{ command: 'start', description: 'Start' }]);
    expect(emu.commands()).toEqual({ commands: [{ command: 'start', description: 'Start' }] });
    expect(await bot.api.getMyCommands()).toEqual([{ command: 'start', description: 'Start' }]);
    expect(await bot.api.sendChatAction(101, 'typing')).toBe(true);
    const other = new Bot('999:wrong', { client: { apiRoot: emu.apiRoot } });
    expect((await grammyError(other.api.getMe())).error_code).toBe(401);
    const unknown = await grammyError(bot.api.getChat(101));
    expect(unknown.error_code).toBe(404);
    await expect(emu.waitFor('the impossible', () => false, 100)).rejects.toThrow(
      /the impossible[\s\S]*bot messages/,
    );
  });

  it('delivers updates to a webhook with the secret token header', async () => {
    const received: { headers: IncomingHttpHeaders; body: Update }[] = [];
    const hook = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString()) });
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
    try {
      expect(await bot.api.setWebhook(url, { secret_token: 's3cret' })).toBe(true);
      expect(await bot.api.getWebhookInfo()).toMatchObject({ url, pending_update_count: 0 });
      const blocked = await grammyError(bot.api.getUpdates({ timeout: 0 }));
      expect(blocked.error_code).toBe(409);
      expect(blocked.description).toMatch(/webhook is active/);

      const dave = emu.user({ userId: 707, chatId: -100707, chatType: 'supergroup' });
      await dave.send('hi');
      await emu.waitFor('the webhook delivery', () => received.length > 0);
      expect(received[0]?.headers['x-telegram-bot-api-secret-token']).toBe('s3cret');
      expect(received[0]?.body.message).toMatchObject({
        text: 'hi',
        from: { id: 707 },
        chat: { id: -100707, type: 'supergroup' },
      });
      expect(emu.webhookStatuses()).toEqual([200]);

      await bot.api.deleteWebhook();
      await dave.send('back to polling');
      expect((await take()).map((u) => u.message?.text)).toEqual(['back to polling']);
      expect(received).toHaveLength(1);
    } finally {
      await new Promise<void>((resolve) => hook.close(() => resolve()));
    }
  });

  it('ends a pending long poll promptly on stop()', async () => {
    const other = await startTelegramEmulator({ token: '42:TEST-stop' });
    const client = new Bot(other.token, { client: { apiRoot: other.apiRoot } });
    const poll = client.api.getUpdates({ timeout: 30 }).then(
      (updates) => updates,
      (e: unknown) => e,
    );
    await sleep(100);
    const started = Date.now();
    await other.stop();
    const outcome = await poll;
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(outcome).toEqual([]);
  });
});
