import type { RunnerHandle } from '@grammyjs/runner';
import { Bot } from 'grammy';
import type { Update } from 'grammy/types';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BotContext } from '../../src/bot/context.js';
import type { UpdateIntake } from '../../src/bot/intake.js';
import { startPolling } from '../../src/bot/polling.js';
import { createRecordingLogger, type RecordingLogger } from '../helpers/test-app.js';
import { startTelegramEmulator, type TelegramEmulator } from '../helpers/telegram-emulator.js';

const OWNER_A = 501;
const OWNER_B = 502;
const USER = 777;

/** An intake that only collects what polling hands it. */
function collectingIntake(): UpdateIntake & { readonly updates: Update[] } {
  const updates: Update[] = [];
  return {
    updates,
    accept: async (u) => (updates.push(u), true),
    resume: async () => 0,
    idle: async () => {},
    stop: async () => {},
  };
}

describe('long polling: a second consumer of the bot’s updates is an alert, never a fight', () => {
  let emu: TelegramEmulator;
  let log: RecordingLogger;
  let intake: ReturnType<typeof collectingIntake>;
  let handle: RunnerHandle | null = null;
  let clock = 0;
  beforeEach(async () => {
    emu = await startTelegramEmulator();
    log = createRecordingLogger();
    intake = collectingIntake();
    clock = 1_000_000;
  }, 30_000);
  afterEach(async () => {
    if (handle?.isRunning()) await handle.stop();
    handle = null;
    await emu.stop();
  });

  const call = (method: string, body: object = {}) =>
    fetch(`${emu.apiRoot}/bot${emu.token}/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }).then((r) => r.json() as Promise<{ ok: boolean; error_code?: number }>);

  async function poll() {
    const bot = new Bot<BotContext>(emu.token, { client: { apiRoot: emu.apiRoot } });
    handle = await startPolling(bot, intake, log, {
      conflictRetryMs: 100,
      conflictRetryMaxMs: 200,
      timeoutS: 1,
      alertChats: [OWNER_A, OWNER_B],
      alertEveryMs: 60_000,
      now: () => clock,
    });
  }

  const alerts = (chatId: number) =>
    emu.messages(chatId).filter((m) => m.text.includes('Another process is receiving'));
  const errors = () => log.lines.filter((l) => l.level === 'error');

  /** Another instance of the bot: long polls back to back for `ms`; returns its 409 count. */
  async function rival(ms: number) {
    let refused = 0;
    for (const end = Date.now() + ms; Date.now() < end;)
      if ((await call('getUpdates', { timeout: 1 })).error_code === 409) refused++;
    return refused;
  }

  it('a rival poller: one alert to each owner chat and an error in the log; polling resumes after', async () => {
    await poll();
    await emu.waitFor('our first poll', () => emu.calls('getUpdates').length > 0);
    await rival(1_500);
    const [a] = await emu.waitFor(
      'the alerts',
      () => alerts(OWNER_A).length > 0 && alerts(OWNER_B).length > 0 && [alerts(OWNER_A)[0]],
    );
    expect(a?.text).toContain('terminated by other getUpdates request');
    expect(a?.disableNotification).toBe(false);
    // Many 409s while the two fought, one alert per chat (paced), one error per episode.
    expect(alerts(OWNER_A)).toHaveLength(1);
    expect(alerts(OWNER_B)).toHaveLength(1);
    expect(errors().length).toBeGreaterThanOrEqual(1);
    expect(errors()[0]?.message).toMatch(/409 Conflict.*Stop the other instance/);

    // The rival is gone: updates reach the intake again and the log says so.
    await emu.user({ userId: USER }).send('hello again');
    await emu.waitFor('the update', () =>
      intake.updates.some((u) => u.message?.text === 'hello again'),
    );
    expect(log.lines.some((l) => l.message.includes('polling again'))).toBe(true);
  }, 20_000);

  it('alerts again for a later conflict only once the pace allows', async () => {
    await poll();
    await emu.waitFor('our first poll', () => emu.calls('getUpdates').length > 0);
    await rival(600);
    await emu.waitFor('the first alert', () => alerts(OWNER_A).length === 1);
    await emu.user({ userId: USER }).send('between');
    await emu.waitFor('polling back', () => intake.updates.length > 0);
    await rival(600);
    await new Promise((r) => setTimeout(r, 300));
    expect(alerts(OWNER_A)).toHaveLength(1);
    clock += 60_000;
    await rival(600);
    await emu.waitFor('the second alert', () => alerts(OWNER_A).length === 2);
  }, 20_000);

  it('drops a webhook left from before polling starts, and never fights one set while it polls', async () => {
    expect((await call('setWebhook', { url: 'http://127.0.0.1:9/telegram/webhook' })).ok).toBe(
      true,
    );
    await poll();
    await emu.waitFor('our first poll', () => emu.calls('getUpdates').length > 0);
    const methods = emu.calls().map((c) => c.method);
    expect(methods.indexOf('deleteWebhook')).toBeGreaterThan(-1);
    expect(methods.indexOf('deleteWebhook')).toBeLessThan(methods.indexOf('getUpdates'));

    // Another instance switches the bot to its webhook: every poll is now a 409.
    const deletes = emu.calls('deleteWebhook').length;
    expect((await call('setWebhook', { url: 'http://127.0.0.1:9/telegram/webhook' })).ok).toBe(
      true,
    );
    await emu.waitFor('the alert', () => alerts(OWNER_A).length === 1);
    expect(alerts(OWNER_A)[0]?.text).toContain('webhook');
    const polls = emu.calls('getUpdates').length;
    await emu.waitFor('a few refused polls', () => emu.calls('getUpdates').length >= polls + 2);
    // It keeps asking, slowly, but leaves the other instance's webhook alone.
    expect(emu.calls('deleteWebhook').length).toBe(deletes);
    const info = (await fetch(`${emu.apiRoot}/bot${emu.token}/getWebhookInfo`).then((r) =>
      r.json(),
    )) as { result: { url: string } };
    expect(info.result.url).toBe('http://127.0.0.1:9/telegram/webhook');
  }, 20_000);
});
