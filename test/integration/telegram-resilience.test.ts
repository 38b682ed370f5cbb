import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  APPROVER,
  isCard,
  OWNER,
  owner,
  VIEWER,
  startTelegramApp,
  taskIdOf,
  type TelegramApp,
} from '../helpers/telegram-app.js';

const CONFLICT = {
  error_code: 409,
  description: 'Conflict: terminated by other getUpdates request',
};
const isConflictAlert = (text: string) => text.startsWith('⚠️ Another process is receiving');
const TOO_MANY = (method: string) => ({
  error_code: 429,
  description: `Too Many Requests: retry after 1 (${method})`,
  retry_after: 1,
});

describe('Telegram errors: a 409 while polling, 429s on sends and edits', () => {
  let t: TelegramApp;
  let started: number;
  beforeAll(async () => {
    started = Date.now();
    // Another instance still polls as this one starts: its first two polls are refused.
    t = await startTelegramApp({ beforeStart: (emu) => emu.failNext('getUpdates', 2, CONFLICT) });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  it('backs off after a 409 on getUpdates (1 s, then 2 s), then polls and handles messages', async () => {
    const { userId } = owner(1);
    await t.emu.user({ userId }).send('run `uname -s` on local');
    const card = await t.chat(userId).cardAfter(0, 15_000);
    expect(card.text.split('\n')[0]).toBe('⏳ shell on local · uname -s');
    const polls = t.emu.calls('getUpdates');
    expect(polls.length).toBeGreaterThanOrEqual(3);
    const [first, second, third] = polls.map((c) => c.at);
    expect(first).toBeGreaterThanOrEqual(started);
    expect(second! - first!).toBeGreaterThanOrEqual(950);
    expect(third! - second!).toBeGreaterThanOrEqual(1_950);
    // Retried soon, not at the 30 s cap.
    expect(third! - first!).toBeLessThan(10_000);
    expect((await t.chat(userId).until(card, 'succeeded')).text).toContain('Linux');
  }, 20_000);

  it('tells every owner once, in their chat, that another process took the updates', async () => {
    const owners = [OWNER, ...Array.from({ length: 8 }, (_, i) => owner(i + 1).userId)];
    for (const id of owners) {
      const alerts = await t.emu.waitFor('the alert', () => {
        const found = t.emu.messages(id).filter((m) => isConflictAlert(m.text));
        return found.length > 0 && found;
      });
      // Two refused polls, one alert: they are paced, not one per 409.
      expect(alerts).toHaveLength(1);
      expect(alerts[0]?.text).toContain('terminated by other getUpdates request');
    }
    // Approvers and viewers cannot stop another instance: they are not bothered.
    for (const id of [APPROVER, VIEWER])
      expect(t.emu.messages(id).filter((m) => isConflictAlert(m.text))).toEqual([]);
  });

  it('polls only: the webhook was deleted before the first poll, and no webhook route takes updates', async () => {
    const methods = t.emu.calls().map((c) => c.method);
    expect(methods.indexOf('deleteWebhook')).toBeGreaterThan(-1);
    expect(methods.indexOf('deleteWebhook')).toBeLessThan(methods.indexOf('getUpdates'));
    expect(t.emu.calls('setWebhook')).toEqual([]);
    // Even with the very secret webhook mode would use, a POSTed update makes nothing.
    const secret = createHash('sha256').update(`switchboard-webhook:${t.emu.token}`).digest('hex');
    const res = await fetch(`${t.app.url}/telegram/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'X-Telegram-Bot-Api-Secret-Token': secret },
      body: JSON.stringify({
        update_id: 990_001,
        message: {
          message_id: 990_001,
          date: Math.floor(Date.now() / 1000),
          chat: { id: OWNER, type: 'private', first_name: 'Ops' },
          from: { id: OWNER, is_bot: false, first_name: 'Ops' },
          text: 'run `echo via-webhook` on local',
        },
      }),
    });
    expect(res.status).toBe(404);
    expect((await t.tasks()).some((x) => x.argv?.includes('via-webhook'))).toBe(false);
  });

  it('waits out a 429 (retry_after 1) on sendMessage: the card still arrives, once', async () => {
    const { userId } = owner(2);
    const chat = t.chat(userId);
    t.emu.failNext('sendMessage', 1, TOO_MANY('sendMessage'));
    await t.emu.user({ userId }).send('run `uname -r` on local');
    const card = await chat.cardAfter(0);
    // (The start-up 409s alerted every owner, this one too: that message is not the card.)
    const sends = t.emu
      .calls('sendMessage')
      .filter((c) => Number(c.body.chat_id) === userId && !isConflictAlert(String(c.body.text)));
    // The refused call and its retry, the same message, at least retry_after apart.
    expect(sends.length).toBeGreaterThanOrEqual(2);
    expect(sends[1]!.body.text).toBe(sends[0]!.body.text);
    expect(sends[1]!.at - sends[0]!.at).toBeGreaterThanOrEqual(950);
    expect(sends[0]!.body.text).toBe(card.text);
    expect((await chat.until(card, 'succeeded')).text).toContain('uname -r');
    await chat.notification(card);
    expect(chat.after(0).filter(isCard)).toHaveLength(1);
    expect((await t.api.get(taskIdOf(card))).status).toBe('succeeded');
  });

  it('waits out a 429 on editMessageText: the card still ends showing the result', async () => {
    const { userId } = owner(3);
    const chat = t.chat(userId);
    t.emu.failNext('editMessageText', 1, TOO_MANY('editMessageText'));
    await t.emu.user({ userId }).send('run `hostname` on local');
    const card = await chat.cardAfter(0);
    const done = await chat.until(card, 'succeeded');
    expect(done.text.split('\n')[0]).toBe('✅ shell on local · hostname');
    const edits = t.emu
      .calls('editMessageText')
      .filter((c) => Number(c.body.message_id) === card.messageId);
    // The refused edit and its retry, the same text, at least retry_after apart.
    expect(edits.length).toBeGreaterThanOrEqual(2);
    expect(edits[1]!.body.text).toBe(edits[0]!.body.text);
    expect(edits[1]!.at - edits[0]!.at).toBeGreaterThanOrEqual(950);
    expect(edits.at(-1)!.body.text).toBe(done.text);
    expect((await chat.notification(card)).text).toMatch(/^✅ #[0-9a-f]{8} succeeded/);
  });
});
