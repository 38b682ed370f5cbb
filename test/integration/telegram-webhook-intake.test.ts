import Database from 'libsql';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSwitchboard } from '../../src/entry/node.js';
import { adminClient, startInProcess } from '../helpers/in-process.js';
import { startTelegramEmulator, type TelegramEmulator } from '../helpers/telegram-emulator.js';
import { makeTempDir } from '../helpers/temp-db.js';

const TOKEN = 'telegram-webhook-admin-token-01';
const SECRET = 'webhook-secret_0123456789';
const OWNER = 1001;

let nextUpdate = 5_000;
/** A message update as Telegram would POST it. */
const update = (text: string, updateId = nextUpdate++) => ({
  update_id: updateId,
  message: {
    message_id: updateId,
    date: Math.floor(Date.now() / 1000),
    chat: { id: OWNER, type: 'private', first_name: 'Ops' },
    from: { id: OWNER, is_bot: false, first_name: 'Ops' },
    text,
  },
});

describe('Telegram webhook intake (webhook mode, real gateway and libSQL file)', () => {
  let emu: TelegramEmulator;
  let app: RunningSwitchboard;
  let dir: string;
  beforeAll(async () => {
    emu = await startTelegramEmulator();
    dir = makeTempDir();
    app = await startInProcess({
      dir,
      adminToken: TOKEN,
      env: {
        TELEGRAM_BOT_TOKEN: emu.token,
        TELEGRAM_API_ROOT: emu.apiRoot,
        TELEGRAM_WEBHOOK_SECRET: SECRET,
      },
      yaml: [
        `users: [{ telegram_id: ${OWNER}, name: ops, role: owner }]`,
        // Telegram would call this URL; the tests POST to the gateway themselves.
        'public_url: https://switchboard.example.com',
        'telegram: { edit_interval_ms: 100 }',
      ].join('\n'),
    });
  }, 30_000);
  afterAll(async () => {
    await app?.close();
    await emu?.stop();
  });

  const api = adminClient(() => app.url, TOKEN);
  const post = (body: unknown, secret: string | null = SECRET) =>
    fetch(`${app.url}/telegram/webhook`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(secret === null ? {} : { 'x-telegram-bot-api-secret-token': secret }),
      },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const tasksWithArgv = async (argv: string) => {
    const res = await fetch(`${app.url}/api/tasks?limit=100`, { headers: api.headers });
    const { items } = (await res.json()) as { items: { id: string; argv: string[] | null }[] };
    return items.filter((t) => t.argv?.join(' ') === argv);
  };

  it('registered its webhook with the secret, and polls nothing', () => {
    const set = emu.calls('setWebhook').at(-1);
    expect(set?.body).toMatchObject({
      url: 'https://switchboard.example.com/telegram/webhook',
      secret_token: SECRET,
    });
    expect(emu.calls('getUpdates')).toEqual([]);
  });

  it('answers 401 to a missing or wrong secret, before reading the body', async () => {
    for (const secret of [null, '', 'wrong', `${SECRET}x`, SECRET.slice(0, -1)]) {
      const res = await post('this is not even JSON', secret);
      expect(res.status).toBe(401);
    }
    expect((await post('not json')).status).toBe(400);
    expect((await post({ no: 'update id' })).status).toBe(400);
  });

  it('answers 401 to a wrong secret before reading a chunked body that never ends', async () => {
    const { hostname, port } = new URL(app.url);
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        {
          host: hostname,
          port,
          path: '/telegram/webhook',
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'transfer-encoding': 'chunked',
            'x-telegram-bot-api-secret-token': 'wrong',
          },
        },
        (res) => {
          res.resume();
          req.destroy();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', (e) => (req.destroyed ? undefined : reject(e)));
      // Part of a body, and never the end of it.
      req.write('{"update_id": 1, "message": {"text": "');
      setTimeout(() => reject(new Error('no answer while the body was still open')), 3_000);
    });
    expect(status).toBe(401);
  });

  it('makes one task of an update delivered twice, and of one delivered 10 times at once', async () => {
    const twice = update('run `uname -n` on local');
    expect((await post(twice)).status).toBe(200);
    expect((await post(twice)).status).toBe(200);
    const burst = update('run `uname -r` on local');
    const statuses = await Promise.all(Array.from({ length: 10 }, () => post(burst)));
    expect(statuses.map((r) => r.status)).toEqual(Array(10).fill(200));
    await emu.waitFor(
      'two cards',
      () => emu.messages(OWNER).filter((m) => /#[0-9a-f]{8}/.test(m.text)).length >= 2 || undefined,
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(await tasksWithArgv('uname -n')).toHaveLength(1);
    expect(await tasksWithArgv('uname -r')).toHaveLength(1);
    expect(
      emu.messages(OWNER).filter((m) => /uname -[nr]/.test(m.text.split('\n')[0] ?? '')),
    ).toHaveLength(2);
  });

  it('answers 5xx while the store cannot take the update, so Telegram redelivers; then handles it once', async () => {
    // Another connection holds the write lock: the gateway's insert waits out its busy timeout.
    const blocker = new Database(join(dir, 'data', 'switchboard.db'), { timeout: 100 });
    blocker.exec('BEGIN EXCLUSIVE');
    const held = update('run `uname -m` on local');
    let res: Response;
    try {
      res = await post(held);
    } finally {
      blocker.exec('ROLLBACK');
      blocker.close();
    }
    expect(res.status).toBeGreaterThanOrEqual(500);
    expect(await tasksWithArgv('uname -m')).toHaveLength(0);
    // Telegram's redelivery, now that the store is back.
    expect((await post(held)).status).toBe(200);
    expect((await post(held)).status).toBe(200);
    await emu.waitFor('its card', () =>
      emu.messages(OWNER).find((m) => m.text.includes('uname -m')),
    );
    expect(await tasksWithArgv('uname -m')).toHaveLength(1);
  }, 20_000);
});
