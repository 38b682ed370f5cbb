import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dataOf,
  labelsOf,
  owner,
  preTexts,
  refOf,
  startTelegramApp,
  taskIdOf,
  type TaskRow,
  type TelegramApp,
} from '../helpers/telegram-app.js';

const LOOP = "sh -c 'for i in 1 2 3; do echo step $i; sleep 1; done'";

// The tests run side by side (Telegram paces messages per chat at 1/s), each in its own chat.
describe.concurrent(
  'Telegram message → task → live card → result (polling, runner over real SSH)',
  () => {
    let t: TelegramApp;
    beforeAll(async () => {
      t = await startTelegramApp({ sshd: true, yaml: ['runner: { concurrency: 4 }'] });
    }, 60_000);
    afterAll(async () => {
      await t?.close();
    });

    /** Owner `n` in their private chat. */
    function person(n: number) {
      const { userId } = owner(n);
      return { user: t.emu.user({ userId }), chat: t.chat(userId), userId };
    }
    /** Text of every editMessageText call on that message since call number `from`. */
    const editsOf = (messageId: number, from = 0) =>
      t.emu
        .calls('editMessageText')
        .slice(from)
        .filter((c) => Number(c.body.message_id) === messageId)
        .map((c) => ({ text: String(c.body.text), at: c.at }));

    it('runs a low-risk prompt with no tap; a reply to its card, or to Continue’s prompt, resumes the session', async () => {
      const p = person(1);
      const since = p.chat.lastId();
      await p.user.send('ask claude to say hello');
      const card = await p.chat.cardAfter(since);
      expect(card.text.split('\n')[0]).toBe('⏳ claude-sonnet on local · say hello');
      expect(labelsOf(card)).toEqual(['Cancel']);
      const done = await p.chat.until(card, 'succeeded', 15_000);
      expect(done.text).toContain('prompt: say hello');
      expect(done.text).not.toContain('--resume');
      expect(done.text).toContain('$0.01');
      expect(labelsOf(done)).toEqual(['Full output', 'Re-run', 'Continue']);
      const first = taskIdOf(done);
      await p.chat.notification(card);

      // A reply to the result card continues the same claude session.
      const beforeReply = p.chat.lastId();
      await p.user.send('now say goodbye', { replyTo: card.messageId });
      const next = await p.chat.cardAfter(beforeReply);
      expect(next.text.split('\n')[0]).toBe('⏳ claude-sonnet on local · now say goodbye');
      const second = await p.chat.until(next, 'succeeded', 15_000);
      expect(second.text).toMatch(/args: .*--resume=7fc06135-799f-49d2-b1c0-df3cc5a539a9/);
      expect(second.text).toContain('prompt: now say goodbye');
      expect((await t.api.get<TaskRow>(taskIdOf(second))).continues_task_id).toBe(first);
      await p.chat.notification(next);

      // [Continue] asks what next with a ForceReply; the reply to that prompt continues too.
      const beforePrompt = p.chat.lastId();
      expect(await t.tap(p.userId, next, dataOf(second, 'Continue'))).toBeNull();
      const prompt = await p.chat.textAfter(beforePrompt, 'What should claude-sonnet do next');
      expect(prompt.text).toBe(
        `What should claude-sonnet do next in #${refOf(taskIdOf(second))}? Reply to this message.`,
      );
      const call = t.emu.calls('sendMessage').find((c) => String(c.body.text) === prompt.text);
      const markup = call?.body.reply_markup;
      expect(typeof markup === 'string' ? JSON.parse(markup) : markup).toMatchObject({
        force_reply: true,
      });
      const beforeThird = p.chat.lastId();
      await p.user.send('and wave', { replyTo: prompt.messageId });
      const third = await p.chat.cardAfter(beforeThird);
      const finished = await p.chat.until(third, 'succeeded', 15_000);
      expect(finished.text).toMatch(
        /args: .*--resume=7fc06135-799f-49d2-b1c0-df3cc5a539a9.*\| prompt: and wave/s,
      );
      const row = await t.api.get<TaskRow>(taskIdOf(finished));
      // continues_task_id names the task the session began in (its worktree's owner).
      expect(row.continues_task_id).toBe(first);
      await p.chat.notification(third);
    }, 45_000);

    it('runs an approved command on vm over SSH, editing its live output into one card', async () => {
      const p = person(2);
      const since = p.chat.lastId();
      await p.user.send(`run \`${LOOP}\` on vm`);
      const card = await p.chat.cardAfter(since);
      const echo = `shell on vm · sh -c for i in 1 2 3; do echo step $i; sleep 1; done`;
      expect(card.text.split('\n')[0]).toBe(`✋ ${echo}`);
      expect(card.text.split('\n')[1]).toMatch(/^#[0-9a-f]{8} · awaiting approval$/);
      expect(card.text).toContain('Host: vm');
      expect(labelsOf(card)).toEqual(['Approve', 'Reject']);
      const editsBefore = t.emu.calls('editMessageText').length;
      expect(await t.tap(p.userId, card, dataOf(card, 'Approve'))).toMatch(/^Approved #/);

      const done = await p.chat.until(card, 'succeeded', 20_000);
      const [head, state, ...body] = done.text.split('\n');
      expect(head).toBe(`✅ ${echo}`);
      expect(state).toMatch(/^#[0-9a-f]{8} · succeeded · \d+\.\d s$/);
      expect(body.join('\n')).toContain('Approved by ops2');
      expect(body.join('\n')).toContain('exit 0');
      expect(preTexts(done)).toEqual(['step 1\nstep 2\nstep 3']);
      expect(labelsOf(done)).toEqual(['Full output', 'Re-run']);

      // While it ran the card was edited in place, and showed output before the end.
      const edits = editsOf(card.messageId, editsBefore);
      const running = edits.filter((e) => / · running · /.test(e.text));
      expect(running.length).toBeGreaterThanOrEqual(2);
      expect(running.some((e) => /^step 1$/m.test(e.text))).toBe(true);
      expect(edits.at(-1)?.text).toBe(done.text);
      // Paced: never two edits of one message within edit_interval_ms (100; the 1/s per chat
      // of Telegram's limits, kept by the throttler, is slower still).
      for (let i = 1; i < edits.length; i++)
        expect(edits[i]!.at - edits[i - 1]!.at).toBeGreaterThanOrEqual(90);
      // No other card or message for it: one card, then exactly one notification.
      const note = await p.chat.notification(card);
      expect(note.text).toMatch(/^✅ #[0-9a-f]{8} succeeded · \d+\.\d s$/);
      expect(p.chat.loudAfter(card.messageId, card)).toEqual([note]);
      expect(p.chat.after(card.messageId).filter((m) => m.messageId !== note.messageId)).toEqual(
        [],
      );
    }, 30_000);

    it('runs an allow-listed command at once with a silent card, then shows its output and re-runs it', async () => {
      const p = person(3);
      const since = p.chat.lastId();
      await p.user.send('run `uname -s` on vm');
      const card = await p.chat.cardAfter(since);
      expect(card.text.split('\n')[0]).toBe('⏳ shell on vm · uname -s');
      expect(card.disableNotification).toBe(true);
      expect(card.replyToMessageId).toBeGreaterThan(since);
      const done = await p.chat.until(card, 'succeeded', 15_000);
      expect(done.text.split('\n')[0]).toBe('✅ shell on vm · uname -s');
      expect(preTexts(done)).toEqual(['Linux']);
      const note = await p.chat.notification(card);
      expect(note.text).toMatch(/^✅ #[0-9a-f]{8} succeeded/);

      const beforeOutput = p.chat.lastId();
      expect(await t.tap(p.userId, card, dataOf(done, 'Full output'))).toBeNull();
      const output = await p.chat.textAfter(beforeOutput, 'Output of #');
      expect(output.text.split('\n')[0]).toBe(`Output of #${refOf(taskIdOf(done))} (attempt 1)`);
      expect(preTexts(output)).toEqual(['Linux\n']);
      expect(output.disableNotification).toBe(true);

      const beforeRerun = p.chat.lastId();
      const toast = await t.tap(p.userId, card, dataOf(done, 'Re-run'));
      const again = await p.chat.cardAfter(beforeRerun);
      expect(again.text.split('\n')[0]).toBe('⏳ shell on vm · uname -s');
      expect(toast).toBe(`Running it again as #${refOf(taskIdOf(again))}.`);
      expect(taskIdOf(again)).not.toBe(taskIdOf(done));
      expect((await p.chat.until(again, 'succeeded', 15_000)).text).toContain('Linux');
      await p.chat.notification(again);
    }, 30_000);

    it('answers the commands it registered with setMyCommands', async () => {
      const p = person(4);
      const registered = (t.emu.commands() as { commands: { command: string }[] }).commands;
      expect(registered.map((c) => c.command)).toEqual([
        'status',
        'tasks',
        'task',
        'cancel',
        'run',
        'ask',
        'hosts',
        'breakers',
        'override',
        'spend',
        'login',
        'help',
      ]);
      const since = p.chat.lastId();
      await p.user.send('/hosts');
      const hosts = await p.chat.textAfter(since, 'Hosts');
      expect(hosts.text).toBe(`Hosts\n• local — this machine\n• vm — ${t.sshd!.host}`);
    });
  },
);
