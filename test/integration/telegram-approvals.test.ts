import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmulatedUser } from '../helpers/telegram-emulator.js';
import {
  APPROVER,
  dataOf,
  labelsOf,
  owner,
  refOf,
  startTelegramApp,
  taskIdOf,
  VIEWER,
  type TelegramApp,
} from '../helpers/telegram-app.js';

interface Detail {
  status: string;
  stages: { outcome: string; stdout_tail: string | null }[];
  approvals: { gate: string; status: string; decided_by: string | null }[];
}

// The tests run side by side (Telegram paces messages per chat at 1/s): each has its own
// requester, in a private chat or in a group of its own where others tap too.
describe.concurrent('Telegram approvals (polling, embedded runner on host local)', () => {
  let t: TelegramApp;
  beforeAll(async () => {
    t = await startTelegramApp({
      yaml: ['approvals: { timeout_s: 10 }', 'runner: { concurrency: 4 }'],
    });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  const detail = (taskId: string) => t.api.get<Detail>(taskId);
  const made = (file: string) => existsSync(join(t.dir, file));
  /** `n`'s private chat, or with `group` a group chat in which `n` asks. */
  function requester(n: number, group?: number) {
    const { userId, name } = owner(n);
    const user = group
      ? t.emu.user({ userId, chatId: group, chatType: 'group' })
      : t.emu.user({ userId });
    return { user, name, chat: t.chat(user.chatId), group: group !== undefined };
  }
  /** Sends a request and returns its card (as first sent) and task id. */
  async function request(r: ReturnType<typeof requester>, text: string) {
    const since = r.chat.lastId();
    // In a group the bot only acts on what is addressed to it: the request mentions it.
    await r.user.send(r.group ? `@TestNameBot ${text}` : text);
    const card = await r.chat.cardAfter(since);
    return { card, id: taskIdOf(card) };
  }

  it('runs a command not on the allow-list after one Approve, once, however often it is tapped', async () => {
    const r = requester(1, -201);
    const { card, id } = await request(r, 'run `touch approved-file` on local');
    expect(card.text.split('\n')[0]).toBe('✋ shell on local · touch approved-file');
    expect(card.text).toContain('Risk: medium — shell command not on the allow-list');
    expect(labelsOf(card)).toEqual(['Approve', 'Reject']);
    // An approval card asks for attention: not silent, a reply to the request.
    expect(card.disableNotification).toBe(false);
    expect(card.replyToMessageId).toBeGreaterThan(0);
    expect(made('approved-file')).toBe(false);

    // Another member of the group, an approver, decides.
    const approve = dataOf(card, 'Approve');
    expect(await t.tap(APPROVER, card, approve)).toBe(`Approved #${refOf(id)}.`);
    expect(await t.tap(APPROVER, card, approve)).toBe('Already approved by lead.');
    expect(await t.tap(owner(1).userId, card, approve)).toBe('Already approved by lead.');
    const done = await r.chat.until(card, 'succeeded');
    expect(done.text).toContain('Approved by lead');
    expect(labelsOf(done)).toEqual(['Full output', 'Re-run']);
    expect(made('approved-file')).toBe(true);
    expect((await r.chat.notification(card)).text).toMatch(/^✅ #[0-9a-f]{8} succeeded · /);
    expect(r.chat.loudAfter(card.messageId, card)).toHaveLength(1);
    const d = await detail(id);
    expect(d.stages.map((s) => s.outcome)).toEqual(['succeeded']);
    expect(d.approvals).toMatchObject([{ gate: 'tap', status: 'approved', decided_by: 'lead' }]);
  });

  it('rejects on Reject: the card says who, loses its buttons, and a late Approve changes nothing', async () => {
    const r = requester(2);
    const { card, id } = await request(r, 'run `touch rejected-file` on local');
    expect(await t.tap(owner(2).userId, card, dataOf(card, 'Reject'))).toBe(
      `Rejected #${refOf(id)}.`,
    );
    expect(await t.tap(owner(2).userId, card, dataOf(card, 'Approve'))).toBe(
      'Already rejected by ops2.',
    );
    const rejected = await r.chat.until(card, 'Rejected by ops2');
    expect(rejected.text.split('\n')[0]).toBe('🙅 shell on local · touch rejected-file');
    expect(labelsOf(rejected)).toEqual([]);
    expect((await r.chat.notification(card)).text).toBe(`🙅 #${refOf(id)} rejected`);
    const d = await detail(id);
    expect(d.status).toBe('rejected');
    expect(d.stages).toEqual([]);
    expect(made('rejected-file')).toBe(false);
  });

  it('refuses a viewer’s Approve and Reject with a toast and leaves the gate open', async () => {
    const r = requester(3, -203);
    const { card, id } = await request(r, 'run `touch viewer-file` on local');
    expect(await t.tap(VIEWER, card, dataOf(card, 'Approve'))).toBe(
      'Only an approver can do that.',
    );
    expect(await t.tap(VIEWER, card, dataOf(card, 'Reject'))).toBe('Only an approver can do that.');
    expect((await detail(id)).status).toBe('awaiting_approval');
    expect(made('viewer-file')).toBe(false);
    expect(labelsOf(r.chat.current(card))).toEqual(['Approve', 'Reject']);
    // The requester decides after all: the viewer's taps did not use the gate up.
    expect(await t.tap(owner(3).userId, card, dataOf(card, 'Approve'))).toMatch(/^Approved /);
    expect((await t.api.settled(id)).status).toBe('succeeded');
    expect((await r.chat.notification(card)).text).toMatch(/^✅ #[0-9a-f]{8} succeeded/);
  });

  it('answers a stale Approve on a card whose task was cancelled, and runs nothing', async () => {
    const r = requester(4);
    const { card, id } = await request(r, 'run `touch cancelled-file` on local');
    const since = r.chat.lastId();
    await r.user.send(`cancel ${refOf(id)}`);
    expect((await r.chat.textAfter(since, 'Cancelled')).text).toBe(`Cancelled #${refOf(id)}.`);
    const cancelled = await r.chat.until(card, 'Cancelled by ops4');
    expect(cancelled.text.split('\n')[0]).toBe('🚫 shell on local · touch cancelled-file');
    expect(labelsOf(cancelled)).toEqual([]);
    expect((await r.chat.notification(card)).text).toBe(`🚫 #${refOf(id)} cancelled`);
    // The old keyboard, tapped on a phone that has not redrawn it yet.
    expect(await t.tap(owner(4).userId, card, dataOf(card, 'Approve'))).toBe(
      'Already cancelled by ops4.',
    );
    const d = await detail(id);
    expect(d.status).toBe('cancelled');
    expect(d.approvals.map((a) => a.status)).toEqual(['cancelled']);
    expect(made('cancelled-file')).toBe(false);
  });

  it('needs exactly one tap for a staging deploy', async () => {
    const r = requester(5);
    const { card, id } = await request(r, 'deploy web to staging');
    expect(card.text.split('\n')[0]).toBe('✋ deploy on local · staging · service=web');
    expect(card.text).toContain('Risk: medium — declared by the template');
    expect(card.text).not.toContain('DEPLOY TO PRODUCTION');
    expect(labelsOf(card)).toEqual(['Approve', 'Reject']);
    expect(await t.tap(owner(5).userId, card, dataOf(card, 'Approve'))).toMatch(/^Approved /);
    const done = await t.api.settled<Detail>(id);
    expect(done.status).toBe('succeeded');
    expect(done.stages[0]?.stdout_tail).toBe(
      'deploy script: --service=web --environment=staging\n',
    );
    expect(done.approvals).toMatchObject([{ gate: 'tap', status: 'approved', decided_by: 'ops5' }]);
    expect((await r.chat.notification(card)).text).toMatch(/^✅ #[0-9a-f]{8} succeeded/);
  });

  it('opens a production deploy only for the typed phrase, as an approver’s reply to the card', async () => {
    const r = requester(6, -206);
    const { card, id } = await request(r, 'deploy api to production');
    expect(card.text.split('\n')[0]).toBe('✋ deploy on local · production · service=api');
    expect(card.text).toContain('reply to this message with DEPLOY TO PRODUCTION');
    expect(labelsOf(card)).toEqual(['Reject']);
    // A forged Approve callback (the card has no such button) is no way around the phrase.
    const forged = dataOf(card, 'Reject').replace(/^rj:/, 'ap:');
    expect(await t.tap(owner(6).userId, card, forged)).toBe(
      'Needs the typed phrase: reply to the card with DEPLOY TO PRODUCTION.',
    );
    const answerTo = async (who: EmulatedUser, text: string) => {
      const since = r.chat.lastId();
      await who.send(text, { replyTo: card.messageId });
      // The answer replies to the typed message, not to the card (as the notification will).
      return t.emu.waitFor('the answer', () =>
        r.chat.after(since).find((m) => m.replyToMessageId !== card.messageId),
      );
    };
    for (const wrong of ['deploy to production', 'DEPLOY TO PROD']) {
      expect((await answerTo(r.user, wrong)).text).toBe('Type DEPLOY TO PRODUCTION exactly.');
    }
    const viewer = t.emu.user({ userId: VIEWER, chatId: -206, chatType: 'group' });
    expect((await answerTo(viewer, 'DEPLOY TO PRODUCTION')).text).toBe(
      'A viewer may not do task.approve.',
    );
    expect((await detail(id)).status).toBe('awaiting_approval');
    expect((await answerTo(r.user, 'DEPLOY TO PRODUCTION')).text).toBe('Approved.');
    const done = await t.api.settled<Detail>(id);
    expect(done.status).toBe('succeeded');
    expect(done.stages[0]?.stdout_tail).toBe(
      'deploy script: --service=api --environment=production\n',
    );
    expect(done.approvals).toMatchObject([
      { gate: 'typed_phrase', status: 'approved', decided_by: 'ops6' },
    ]);
    expect((await r.chat.until(card, 'succeeded')).text).toContain('Approved by ops6');
    expect((await r.chat.notification(card)).text).toMatch(/^✅ #[0-9a-f]{8} succeeded/);
  }, 20_000);

  it('takes no reply as an approval: "no", "NO! do not run this", "approve", 👍 change nothing', async () => {
    const r = requester(8, -208);
    const { card, id } = await request(r, 'run `touch replied-file` on local');
    expect(labelsOf(card)).toEqual(['Approve', 'Reject']);
    const approver = t.emu.user({ userId: APPROVER, chatId: -208, chatType: 'group' });
    for (const [who, text] of [
      [approver, 'no'],
      [approver, 'NO! do not run this'],
      [r.user, 'approve'],
      [approver, '👍'],
    ] as const) {
      const since = r.chat.lastId();
      await who.send(text, { replyTo: card.messageId });
      const answer = await t.emu.waitFor('the answer', () =>
        r.chat.after(since).find((m) => m.replyToMessageId !== card.messageId),
      );
      expect(answer.text).toBe('Tap Approve or Reject.');
    }
    const d = await detail(id);
    expect(d.status).toBe('awaiting_approval');
    expect(d.approvals).toMatchObject([{ gate: 'tap', status: 'pending', decided_by: null }]);
    expect(labelsOf(r.chat.current(card))).toEqual(['Approve', 'Reject']);
    expect(made('replied-file')).toBe(false);
    // The button still works: the replies used nothing up.
    expect(await t.tap(APPROVER, card, dataOf(card, 'Reject'))).toBe(`Rejected #${refOf(id)}.`);
    expect(made('replied-file')).toBe(false);
  });

  it('expires a card nobody answers (timeout_s 10): no buttons, and a late tap is refused', async () => {
    const r = requester(7);
    const { card, id } = await request(r, 'run `touch never-approved` on local');
    // Expiry is at 10 s; the maintenance loop that notices it runs every 5 s.
    const expired = await r.chat.until(card, 'expired', 20_000);
    expect(expired.text.split('\n')[0]).toBe('⌛ shell on local · touch never-approved');
    expect(expired.text).toContain('The approval request expired (counts as rejected)');
    expect(labelsOf(expired)).toEqual([]);
    expect((await detail(id)).status).toBe('expired');
    expect((await r.chat.notification(card)).text).toBe(`⌛ #${refOf(id)} expired`);
    expect(await t.tap(owner(7).userId, card, dataOf(card, 'Approve'))).toBe(
      'Already expired by system.',
    );
    expect((await detail(id)).status).toBe('expired');
    expect(made('never-approved')).toBe(false);
  }, 30_000);
});
