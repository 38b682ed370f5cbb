import { Bot, GrammyError, type Api } from 'grammy';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { editRich, sendRich } from '../../src/bot/send.js';
import { createTaskBoard, type TaskBoard } from '../../src/bot/task-board.js';
import { plain } from '../../src/bot/views/rich-text.js';
import { createUuidV7 } from '../../src/entry/uuid-v7.js';
import { createLibsqlChatStores } from '../../src/db/repositories/chat-stores.js';
import { createRecordingLogger, createTestApp, type TestApp } from '../helpers/test-app.js';
import { startTelegramEmulator, type TelegramEmulator } from '../helpers/telegram-emulator.js';

const CHAT = 4242;
// Real Bot API descriptions: only the first two mean "nothing to do"; the rest are faults.
const CHAT_NOT_FOUND = { error_code: 400, description: 'Bad Request: chat not found' };
const BAD_ENTITIES = {
  error_code: 400,
  description: "Bad Request: can't parse entities: unsupported start tag at byte offset 3",
};
const THREAD_NOT_FOUND = { error_code: 400, description: 'Bad Request: message thread not found' };

let emu: TelegramEmulator;
let api: Api;
beforeAll(async () => {
  emu = await startTelegramEmulator();
  api = new Bot(emu.token, { client: { apiRoot: emu.apiRoot } }).api;
}, 30_000);
afterAll(async () => {
  await emu?.stop();
});

describe('editRich: "message is not modified" is success, other 400s are not swallowed', () => {
  it('an edit to the same text and keyboard is "unchanged"; a vanished message is "gone"', async () => {
    const keyboard = [[{ text: 'Cancel', callback_data: 'x' }]];
    const [sent] = await sendRich(api, CHAT, plain('same'), { keyboard });
    if (!sent) throw new Error('nothing sent');
    expect(await editRich(api, CHAT, sent.message_id, plain('same'), keyboard)).toBe('unchanged');
    expect(await editRich(api, CHAT, sent.message_id, plain('new'), keyboard)).toBe('edited');
    expect(await editRich(api, CHAT, 999_999, plain('x'), [])).toBe('gone');
  });

  it.each([CHAT_NOT_FOUND, BAD_ENTITIES, THREAD_NOT_FOUND])(
    'rethrows any other 400 ($description)',
    async (error) => {
      const sent = await api.sendMessage(CHAT, 'before');
      emu.failNext('editMessageText', 1, error);
      const edit = editRich(api, CHAT, sent.message_id, plain('after'), []);
      await expect(edit).rejects.toBeInstanceOf(GrammyError);
      await expect(edit).rejects.toMatchObject({ error_code: 400, description: error.description });
    },
  );
});

describe('the task board: an unchanged card costs nothing, a refused edit is logged', () => {
  let t: TestApp;
  const boards: TaskBoard[] = [];
  beforeEach(async () => {
    const uuid = createUuidV7();
    t = await createTestApp({ ids: { next: uuid } });
  });
  afterEach(() => {
    for (const b of boards.splice(0)) b.stop();
    t.dispose();
  });

  /** A fresh board (it knows nothing of what the message shows) and its log. */
  function board() {
    const log = createRecordingLogger();
    const chats = createLibsqlChatStores(t.db.db).chats;
    const b = createTaskBoard(
      api,
      { core: t.core, chats, log },
      { members: [], taskHaltUsd: 5, editEveryMs: 0 },
    );
    boards.push(b);
    return { board: b, log };
  }

  /** A task whose card message is linked and already brought up to date once. */
  async function cardOnScreen() {
    const res = await t.send('POST', '/api/tasks', {
      kind: 'shell',
      host: 'local',
      argv: ['ls', '-la'],
    });
    const { id } = (await res.json()) as { id: string };
    const sent = await api.sendMessage(CHAT, 'placeholder');
    await createLibsqlChatStores(t.db.db).chats.linkMessage({
      chatId: CHAT,
      messageId: sent.message_id,
      taskId: id,
      kind: 'progress',
      createdAt: t.clock.now().toISOString(),
    });
    const first = board();
    first.board.track(id);
    await first.board.idle();
    expect(first.log.lines.filter((l) => l.level !== 'info')).toEqual([]);
    return { id, messageId: sent.message_id };
  }

  const editsOf = (messageId: number) =>
    emu.calls('editMessageText').filter((c) => Number(c.body.message_id) === messageId);

  it('a card that already shows the task: Telegram says "not modified", nothing is logged or retried', async () => {
    const { id, messageId } = await cardOnScreen();
    const before = editsOf(messageId).length;
    const { board: again, log } = board();
    again.track(id);
    await again.idle();
    again.track(id);
    await again.idle();
    // One attempt (answered "not modified"), remembered as shown: no second call, no warning.
    expect(editsOf(messageId).length).toBe(before + 1);
    expect(log.lines).toEqual([]);
  });

  it.each([CHAT_NOT_FOUND, BAD_ENTITIES])(
    'a card edit refused with another 400 is logged as a failure ($description)',
    async (error) => {
      const { id } = await cardOnScreen();
      const { board: again, log } = board();
      emu.failNext('editMessageText', 1, error);
      again.track(id);
      await again.idle();
      const warned = log.lines.filter((l) => l.level === 'warn');
      expect(warned).toHaveLength(1);
      expect(warned[0]).toMatchObject({ message: 'telegram: could not update a task message' });
      expect(String(warned[0]?.fields.error)).toContain(error.description);
      expect(log.lines.some((l) => l.message.includes('gone'))).toBe(false);
    },
  );
});
