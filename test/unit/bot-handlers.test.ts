import type { Update } from 'grammy/types';
import { createMemoryOAuthStore } from '../../src/core/fakes/memory-oauth-store.js';
import { beforeEach, describe, expect, it } from 'vitest';
import { createBot } from '../../src/bot/create-bot.js';
import {
  ladderCallback,
  parseCallback,
  permissionCallback,
  taskCallback,
} from '../../src/bot/callback-data.js';
import type { CoreDeps } from '../../src/core/deps.js';
import { createMemoryChatStores } from '../../src/core/fakes/memory-chat-stores.js';
import { createMemoryStores } from '../../src/core/fakes/memory-stores.js';
import { SILENT_LOGGER } from '../../src/core/ports/logger.js';
import { coreDepsFor } from '../helpers/core-deps.js';
import { TEST_BOT_INFO } from '../helpers/telegram-fixtures.js';

const OWNER = 1001;
const VIEWER = 2002;
const STRANGER = 3003;

interface Call {
  method: string;
  payload: Record<string, unknown>;
}

/** The bot as `bot.handleUpdate` sees it, with every Bot API call recorded and answered here. */
function setUp() {
  const stores = createMemoryStores();
  const core: CoreDeps = coreDepsFor(stores);
  const chats = createMemoryChatStores();
  const { bot, board } = createBot(
    {
      core,
      chats: chats.chats,
      logins: chats.logins,
      oauth: createMemoryOAuthStore(),
      log: SILENT_LOGGER,
    },
    {
      token: '1:test',
      apiRoot: null,
      botInfo: TEST_BOT_INFO,
      members: [
        { telegramId: OWNER, name: 'ops', role: 'owner' },
        { telegramId: VIEWER, name: 'watcher', role: 'viewer' },
      ],
      hosts: [{ name: 'build-vm', address: '10.0.0.5' }],
      publicUrl: null,
      taskHaltUsd: 5,
      editEveryMs: 10,
    },
  );
  const calls: Call[] = [];
  let messageId = 100;
  bot.api.config.use(async (_prev, method, payload) => {
    calls.push({ method, payload: payload as Record<string, unknown> });
    const p = payload as { chat_id?: number; text?: string };
    const result =
      method === 'sendMessage'
        ? {
            message_id: ++messageId,
            date: 0,
            chat: { id: p.chat_id, type: 'private' },
            text: p.text,
          }
        : true;
    return { ok: true, result } as never;
  });
  let updateId = 1;
  const message = (from: number, text: string, extra: Record<string, unknown> = {}): Update =>
    ({
      update_id: updateId++,
      message: {
        message_id: updateId * 10,
        date: 0,
        chat: { id: from, type: 'private', first_name: 'x' },
        from: { id: from, is_bot: false, first_name: 'x' },
        text,
        ...(text.startsWith('/')
          ? { entities: [{ type: 'bot_command', offset: 0, length: text.split(' ')[0]!.length }] }
          : {}),
        ...extra,
      },
    }) as Update;
  const tap = (from: number, data: string, messageOf = 101): Update =>
    ({
      update_id: updateId++,
      callback_query: {
        id: `cb${updateId}`,
        chat_instance: 'ci',
        from: { id: from, is_bot: false, first_name: 'x' },
        message: {
          message_id: messageOf,
          date: 0,
          chat: { id: from, type: 'private', first_name: 'x' },
          text: 'card',
        },
        data,
      },
    }) as Update;
  const sent = (method = 'sendMessage') => calls.filter((c) => c.method === method);
  return { bot, board, core, chats, stores, calls, sent, message, tap };
}

describe('bot handlers (bot.handleUpdate, Bot API answered in-process)', () => {
  let t: ReturnType<typeof setUp>;
  beforeEach(() => {
    t = setUp();
  });

  it('refuses a stranger politely, audits it, and creates nothing', async () => {
    await t.bot.handleUpdate(t.message(STRANGER, 'run `rm -rf /` on build-vm'));
    expect(t.sent()).toHaveLength(1);
    expect(t.sent()[0]?.payload.text).toMatch(/private bot.*3003/s);
    expect((await t.core.tasks.list({ limit: 10 })).items).toEqual([]);
    const audit = await t.core.audit.listBySubject('access:unknown_user', 10);
    expect(audit.map((e) => [e.actor, e.action, e.detail.attempted])).toEqual([
      ['telegram:3003', 'access.denied', 'message'],
    ]);
  });

  it('turns a low-risk message into a queued task and one silent card that echoes it', async () => {
    await t.bot.handleUpdate(t.message(OWNER, 'run `uname -a` on build-vm'));
    const [task] = (await t.core.tasks.list({ limit: 10 })).items;
    expect(task).toMatchObject({
      kind: 'shell',
      host: 'build-vm',
      argv: ['uname', '-a'],
      status: 'queued',
      requester: 'ops',
      channel: 'telegram',
    });
    const [card] = t.sent();
    expect(String(card?.payload.text).split('\n')[0]).toBe('⏳ shell on build-vm · uname -a');
    expect(card?.payload.disable_notification).toBe(true);
    const keyboard = (
      card?.payload.reply_markup as { inline_keyboard: { callback_data: string }[][] }
    ).inline_keyboard;
    expect(keyboard.flat().map((b) => parseCallback(b.callback_data))).toEqual([
      { action: 'cancel', taskId: task!.id },
    ]);
    expect(await t.chats.chats.messagesOf(task!.id)).toMatchObject([
      { chatId: OWNER, messageId: 101, kind: 'progress' },
    ]);
    expect(await t.chats.chats.getChat(OWNER)).toMatchObject({ lastHost: 'build-vm' });
  });

  it('asks which host when a risky command names none, and the button answer makes the task', async () => {
    await t.bot.handleUpdate(t.message(OWNER, 'run `make deploy`'));
    expect((await t.core.tasks.list({ limit: 10 })).items).toEqual([]);
    const question = t.sent()[0]!;
    const buttons = (
      question.payload.reply_markup as {
        inline_keyboard: { text: string; callback_data: string }[][];
      }
    ).inline_keyboard.flat();
    const buildVm = buttons.find((b) => b.text === 'build-vm')!;
    expect(buildVm).toBeDefined();
    // A forged answer to some other question is refused; the real one makes the task.
    await t.bot.handleUpdate(t.tap(OWNER, buildVm.callback_data.replace(/^q:[^:]+/, 'q:zzz')));
    expect(t.sent('answerCallbackQuery').at(-1)?.payload.text).toBe(
      'That question is no longer open.',
    );
    await t.bot.handleUpdate(t.tap(OWNER, buildVm.callback_data));
    const [task] = (await t.core.tasks.list({ limit: 10 })).items;
    expect(task).toMatchObject({
      host: 'build-vm',
      argv: ['make', 'deploy'],
      status: 'awaiting_approval',
    });
  });

  it('answers every tap: forged data, a viewer approving, a double tap', async () => {
    await t.bot.handleUpdate(t.message(OWNER, 'run `make deploy` on build-vm'));
    const [task] = (await t.core.tasks.list({ limit: 10 })).items;
    await t.bot.handleUpdate(t.tap(OWNER, 'ap:not-a-task'));
    await t.bot.handleUpdate(t.tap(VIEWER, taskCallback('approve', task!.id)));
    await t.bot.handleUpdate(t.tap(OWNER, taskCallback('approve', task!.id)));
    await t.bot.handleUpdate(t.tap(OWNER, taskCallback('approve', task!.id)));
    expect(t.sent('answerCallbackQuery').map((c) => c.payload.text)).toEqual([
      'This button is no longer active.',
      'Only an approver can do that.',
      `Approved #${task!.id.slice(-8)}.`,
      'Already approved by ops.',
    ]);
    expect((await t.core.tasks.get(task!.id))?.status).toBe('queued');
    expect(
      (await t.core.approvals.listByTask(task!.id)).map((a) => [a.status, a.decidedBy]),
    ).toEqual([['approved', 'ops']]);
  });

  it("puts a member's refused tap on the record with why; a stranger's stays one refusal", async () => {
    await t.bot.handleUpdate(t.message(OWNER, 'run `make deploy` on build-vm'));
    const [task] = (await t.core.tasks.list({ limit: 10 })).items;
    const ghost = '0190aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee';
    await t.bot.handleUpdate(t.tap(OWNER, 'ap:not-a-task'));
    await t.bot.handleUpdate(t.tap(OWNER, taskCallback('approve', ghost)));
    await t.bot.handleUpdate(t.tap(OWNER, permissionCallback('allow', ghost)));
    await t.bot.handleUpdate(t.tap(OWNER, ladderCallback(ghost, null)!));
    await t.bot.handleUpdate(t.tap(VIEWER, taskCallback('approve', task!.id)));
    await t.bot.handleUpdate(t.tap(OWNER, taskCallback('approve', task!.id)));
    await t.bot.handleUpdate(t.tap(OWNER, taskCallback('approve', task!.id)));
    await t.bot.handleUpdate(t.tap(OWNER, 'q:zzz:0'));
    await t.bot.handleUpdate(t.tap(STRANGER, taskCallback('cancel', task!.id)));
    const refused = async (subject: string) =>
      (await t.core.audit.listBySubject(subject, 20))
        .filter((e) => e.action === 'callback.refused')
        .map((e) => [e.actor, e.channel, e.detail['reason'], e.detail['data']]);
    expect(await refused('callback')).toEqual([['ops', 'telegram', 'malformed', 'ap:not-a-task']]);
    expect(await refused(`task:${ghost}`)).toEqual([
      ['ops', 'telegram', 'unknown_id', taskCallback('approve', ghost)],
      ['ops', 'telegram', 'unknown_id', ladderCallback(ghost, null)],
    ]);
    expect(await refused(`permission:${ghost}`)).toEqual([
      ['ops', 'telegram', 'unknown_id', permissionCallback('allow', ghost)],
    ]);
    expect(await refused(`task:${task!.id}`)).toEqual([
      ['watcher', 'telegram', 'forbidden', taskCallback('approve', task!.id)],
      ['ops', 'telegram', 'stale', taskCallback('approve', task!.id)],
    ]);
    expect(await refused(`chat:${OWNER}`)).toEqual([['ops', 'telegram', 'stale', 'q:zzz:0']]);
    // A stranger is refused before any button handler: one access entry, no tap entries.
    const strangerRows = await t.core.audit.listBySubject('access:unknown_user', 20);
    expect(strangerRows.map((e) => [e.actor, e.action, e.detail['attempted']])).toEqual([
      ['telegram:3003', 'access.denied', 'button'],
    ]);
    expect(t.sent('answerCallbackQuery')).toHaveLength(9);
  });

  it('/login stores only the hash of a one-time secret and sends the link in private only', async () => {
    await t.bot.handleUpdate(t.message(OWNER, '/login'));
    // No public URL in this config: no link can be made.
    expect(t.sent().at(-1)?.payload.text).toMatch(/public URL/);
  });
});

describe('/override', () => {
  it('lets an owner override today’s breaker (audited), and nobody else', async () => {
    const t = setUp();
    const day = `day:${new Date().toISOString().slice(0, 10)}`;
    await t.bot.handleUpdate(t.message(VIEWER, '/override day'));
    expect(String(t.sent().at(-1)?.payload.text)).toMatch(/viewer may not do breaker\.override/);
    expect(await t.stores.breakers.get(day)).toBeNull();
    await t.bot.handleUpdate(t.message(OWNER, '/override week'));
    expect(String(t.sent().at(-1)?.payload.text)).toMatch(/Usage: \/override day/);
    await t.bot.handleUpdate(t.message(OWNER, '/override day'));
    expect(String(t.sent().at(-1)?.payload.text)).toMatch(/Overridden until midnight UTC/);
    expect(await t.stores.breakers.get(day)).toMatchObject({ overriddenBy: 'ops' });
    expect(
      (await t.stores.audit.listBySubject(`breaker:${day}`, 10)).map((e) => [e.action, e.actor]),
    ).toEqual([
      ['access.denied', 'watcher'],
      ['breaker.overridden', 'ops'],
    ]);
  });
});

describe('breaker alerts', () => {
  it('go, with sound, to every chat that subscribed with /start, and nowhere else', async () => {
    const t = setUp();
    await t.bot.handleUpdate(t.message(OWNER, '/start'));
    const before = t.sent().length;
    await t.board.notify({
      type: 'breaker.alert',
      task: null,
      breaker: {
        key: 'day:2026-01-01',
        scope: 'day',
        period: '2026-01-01',
        thresholdUsd: 20,
        spentUsd: 20.5,
        reservedUsd: 0,
        state: 'open',
        overriddenBy: null,
        updatedAt: '2026-01-01T00:00:00.000Z',
      },
    });
    await new Promise((r) => setTimeout(r, 20));
    const alerts = t.sent().slice(before);
    expect(alerts.map((c) => [c.payload.chat_id, c.payload.disable_notification])).toEqual([
      [OWNER, undefined],
    ]);
    expect(alerts[0]?.payload.text).toBe(
      '🛑 Spend limit reached: new executions are blocked\nToday (2026-01-01 UTC): $20.50 of $20.00 · OPEN — new executions blocked',
    );
  });
});

describe('/login links', () => {
  it('makes a 256-bit secret whose hash, not the secret, is stored, usable once', async () => {
    const { createLoginLink, loginTokenHash } = await import('../../src/bot/login-link.js');
    const chats = createMemoryChatStores();
    const now = new Date('2026-01-01T00:00:00.000Z');
    const token = await createLoginLink(chats, 'ops', now);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await createLoginLink(chats, 'ops', now)).not.toBe(token);
    expect(await chats.logins.consume(token, now.toISOString())).toBeNull();
    const hash = await loginTokenHash(token);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(await chats.logins.consume(hash, '2026-01-01T00:04:59.000Z')).toBe('ops');
    expect(await chats.logins.consume(hash, '2026-01-01T00:04:59.000Z')).toBeNull();
  });

  it('expires a link after five minutes', async () => {
    const { createLoginLink, loginTokenHash } = await import('../../src/bot/login-link.js');
    const chats = createMemoryChatStores();
    const token = await createLoginLink(chats, 'ops', new Date('2026-01-01T00:00:00.000Z'));
    const hash = await loginTokenHash(token);
    expect(await chats.logins.consume(hash, '2026-01-01T00:05:00.000Z')).toBeNull();
  });
});
