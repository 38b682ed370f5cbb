import Database from 'libsql';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dataOf,
  isCard,
  OWNER,
  owner,
  startTelegramApp,
  taskIdOf,
  type TelegramApp,
} from '../helpers/telegram-app.js';
import { startForwarder, type Forwarder } from '../helpers/telegram-forwarder.js';

const SECRET = 'webhook-Secret_0123456789-abc';
const SECRET_HEADER = 'X-Telegram-Bot-Api-Secret-Token';

let nextUpdate = 900_000;
/** A text message update as Telegram POSTs it. */
const update = (chatId: number, text: string, updateId = nextUpdate++) => ({
  update_id: updateId,
  message: {
    message_id: updateId,
    date: Math.floor(Date.now() / 1000),
    chat: { id: chatId, type: 'private', first_name: 'Ops' },
    from: { id: chatId, is_bot: false, first_name: 'Ops' },
    text,
  },
});

describe('Telegram webhook mode (setWebhook with a secret, updates POSTed to the gateway)', () => {
  let t: TelegramApp;
  let front: Forwarder;
  beforeAll(async () => {
    front = await startForwarder();
    t = await startTelegramApp({
      env: { TELEGRAM_WEBHOOK_SECRET: SECRET },
      yaml: [`public_url: ${front.url}`],
    });
    front.target(t.app.url);
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await front?.close();
  });

  const post = (body: unknown, secret: string | null = SECRET) =>
    fetch(`${t.app.url}/telegram/webhook`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(secret === null ? {} : { [SECRET_HEADER]: secret }),
      },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  /** POSTs the start of a body and never the rest: the status within 2 s, else null. */
  function unfinished(headers: Record<string, string>, secret: string) {
    const url = new URL(`${t.app.url}/telegram/webhook`);
    const req = request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers, [SECRET_HEADER]: secret },
    });
    req.on('error', () => undefined);
    req.write('{"update_id": 1, "message": ');
    return new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => resolve(null), 2_000);
      req.once('response', (res) => (clearTimeout(timer), resolve(res.statusCode ?? 0)));
    }).finally(() => req.destroy());
  }
  const tasksWith = async (argv: string) =>
    (await t.tasks()).filter((x) => x.argv?.join(' ') === argv);
  const cardsFor = (chatId: number, argv: string) =>
    t.emu.messages(chatId).filter((m) => isCard(m) && m.text.split('\n')[0]!.endsWith(argv));

  // Side by side, each in its own chat (Telegram paces messages per chat at 1/s)…
  describe.concurrent('with the store up', () => {
    it('sets its webhook with the secret and never polls; Telegram’s deliveries make cards', async () => {
      expect(t.emu.calls('setWebhook')).toHaveLength(1);
      expect(t.emu.calls('setWebhook')[0]?.body).toMatchObject({
        url: `${front.url}/telegram/webhook`,
        secret_token: SECRET,
      });
      expect(t.emu.calls('getUpdates')).toEqual([]);
      // A message through the Bot API emulator: it POSTs it with the secret header.
      const { userId } = owner(1);
      await t.emu.user({ userId }).send('run `uname -s` on local');
      const card = await t.chat(userId).cardAfter(0);
      expect(card.text.split('\n')[0]).toBe('⏳ shell on local · uname -s');
      expect(t.emu.webhookStatuses()[0]).toBe(200);
      expect((await t.chat(userId).until(card, 'succeeded')).text).toContain('Linux');
    });

    it('answers 401 to a missing or wrong secret before it reads the body', async () => {
      for (const secret of [
        null,
        '',
        'wrong',
        `${SECRET}x`,
        SECRET.slice(0, -1),
        SECRET.toLowerCase(),
      ])
        expect((await post('{ not even JSON', secret)).status).toBe(401);
      // A body that has not all arrived: the 401 comes anyway, so it was not waited for.
      expect(await unfinished({ 'content-length': '4000' }, 'wrong')).toBe(401);
      // With the secret the same body is read, and refused for what it is.
      expect((await post('{ not even JSON')).status).toBe(400);
      expect((await post({ no: 'update_id' })).status).toBe(400);
      expect((await post(update(OWNER, 'run `uname -a` on local'), 'wrong')).status).toBe(401);
      await new Promise((r) => setTimeout(r, 300));
      expect(await tasksWith('uname -a')).toEqual([]);
      expect(t.emu.messages(OWNER)).toEqual([]);
    });

    // The secret is checked before the body limit reads anything of a chunked body.
    it('answers 401 before reading a chunked body too', async () => {
      expect(await unfinished({ 'transfer-encoding': 'chunked' }, 'wrong')).toBe(401);
    });

    it('makes one task of an update delivered twice, and of one delivered 10 times at once', async () => {
      const { userId } = owner(2);
      const twice = update(userId, 'run `uname -n` on local');
      expect((await post(twice)).status).toBe(200);
      expect((await post(twice)).status).toBe(200);
      const burst = update(userId, 'run `uname -r` on local');
      const statuses = await Promise.all(Array.from({ length: 10 }, () => post(burst)));
      expect(statuses.map((r) => r.status)).toEqual(Array(10).fill(200));
      await t.emu.waitFor('both cards', () => t.emu.messages(userId).filter(isCard).length >= 2);
      await new Promise((r) => setTimeout(r, 1_500)); // a duplicate card would be paced 1 s behind
      expect(await tasksWith('uname -n')).toHaveLength(1);
      expect(await tasksWith('uname -r')).toHaveLength(1);
      expect(cardsFor(userId, 'uname -n')).toHaveLength(1);
      expect(cardsFor(userId, 'uname -r')).toHaveLength(1);
    });

    it('handles a redelivered tap once: one answer, one approval', async () => {
      const { userId } = owner(3);
      const chat = t.chat(userId);
      await t.emu.user({ userId }).send('run `touch webhook-approved` on local');
      const card = await chat.cardAfter(0);
      const id = taskIdOf(card);
      const delivered = front.bodies.length;
      expect(await t.tap(userId, card, dataOf(card, 'Approve'))).toMatch(/^Approved #/);
      const tapUpdate = front.bodies[delivered] as { callback_query: { id: string } };
      expect(tapUpdate.callback_query.id).toBeTruthy();
      // Telegram did not see the 200 (say) and delivers the same update again.
      expect((await post(tapUpdate)).status).toBe(200);
      const done = await t.api.settled<{ status: string; approvals: unknown[] }>(id);
      expect(done.status).toBe('succeeded');
      expect(done.approvals).toHaveLength(1);
      await chat.notification(card);
      const answers = t.emu
        .calls('answerCallbackQuery')
        .filter((c) => c.body.callback_query_id === tapUpdate.callback_query.id);
      expect(answers).toHaveLength(1);
    });
  });

  // …and this one alone: while the store refuses, every other delivery would fail too.
  it('answers 503 while the store refuses the update, so Telegram redelivers; then handles it once', async () => {
    const { userId } = owner(4);
    // A second connection to the same libSQL file makes every insert into the inbox fail.
    const other = new Database(join(t.dir, 'data', 'switchboard.db'), { timeout: 5_000 });
    other.exec(
      "CREATE TRIGGER test_store_down BEFORE INSERT ON telegram_updates BEGIN SELECT RAISE(ABORT, 'store down'); END",
    );
    const held = update(userId, 'run `uname -m` on local');
    try {
      const res = await post(held);
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ error: 'unavailable', message: 'Try again later.' });
    } finally {
      other.exec('DROP TRIGGER test_store_down');
      other.close();
    }
    expect(await tasksWith('uname -m')).toHaveLength(0);
    expect(t.emu.messages(userId)).toEqual([]);
    // Telegram's redeliveries, now that the store takes them.
    expect((await post(held)).status).toBe(200);
    expect((await post(held)).status).toBe(200);
    const card = await t.chat(userId).cardAfter(0);
    expect(card.text.split('\n')[0]).toBe('⏳ shell on local · uname -m');
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await tasksWith('uname -m')).toHaveLength(1);
    expect(cardsFor(userId, 'uname -m')).toHaveLength(1);
  });
});

describe('Telegram webhook mode when setWebhook is refused', () => {
  let t: TelegramApp;
  beforeAll(async () => {
    t = await startTelegramApp({
      yaml: ['public_url: https://switchboard.example.com'],
      beforeStart: (emu) =>
        emu.failNext('setWebhook', 1, {
          error_code: 400,
          description: 'Bad Request: bad webhook: Failed to resolve host',
        }),
    });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  it('does not fall back to polling: webhook and polling never run side by side', async () => {
    // start() has returned: the mode was chosen and its one attempt made.
    expect(t.emu.calls('setWebhook')).toHaveLength(1);
    expect(t.emu.calls('getUpdates')).toEqual([]);
    // Nor does it delete a webhook: that is polling's first step, and would undo the other's.
    expect(t.emu.calls('deleteWebhook')).toEqual([]);
  });
});
