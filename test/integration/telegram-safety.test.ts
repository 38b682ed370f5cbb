import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHATTER_REPLY } from '../../src/core/intent/parse-request.js';
import {
  dataOf,
  isCard,
  labelsOf,
  owner,
  refOf,
  startTelegramApp,
  taskIdOf,
  type TelegramApp,
} from '../helpers/telegram-app.js';

interface Detail {
  status: string;
  gate: string;
  kind: string;
  stages: unknown[];
  approvals: { gate: string; status: string }[];
}

// Issue #20: nothing the bot did not understand, or that was not said to it, spends or runs.
describe.concurrent('Telegram: guesses, chatter and groups (polling)', () => {
  let t: TelegramApp;
  beforeAll(async () => {
    t = await startTelegramApp({ yaml: ['runner: { concurrency: 4 }'] });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  const detail = (taskId: string) => t.api.get<Detail>(taskId);
  const settle = () => new Promise((r) => setTimeout(r, 1_500));

  it('answers chatter with one line of help and makes no task', async () => {
    const me = t.emu.user({ userId: owner(1).userId });
    const chat = t.chat(me.chatId);
    const chatter = ['hi', 'thanks!', 'ok', 'lol', '👍'];
    for (const text of chatter) {
      const since = chat.lastId();
      await me.send(text);
      const answer = await t.emu.waitFor('help', () => chat.after(since)[0]);
      expect(answer.text).toBe(CHATTER_REPLY);
      expect(isCard(answer)).toBe(false);
    }
    // Other tests run side by side: look for these texts, not at the count.
    expect((await t.tasks()).filter((x) => chatter.includes(x.prompt ?? ''))).toEqual([]);
  });

  it('shows a guess with Run / Edit / Cancel and runs it only after Run', async () => {
    const me = t.emu.user({ userId: owner(2).userId });
    const chat = t.chat(me.chatId);
    const since = chat.lastId();
    await me.send('make onboarding nicer');
    const card = await chat.cardAfter(since);
    expect(card.text.split('\n')[1]).toMatch(/^#[0-9a-f]{8} · waiting for Run$/);
    expect(labelsOf(card)).toEqual(['Run', 'Edit', 'Cancel']);
    const id = taskIdOf(card);
    await settle();
    expect(await detail(id)).toMatchObject({
      status: 'awaiting_approval',
      gate: 'confirm',
      stages: [],
    });
    // A reply that is no request ("ok") neither runs nor replaces it.
    const replied = chat.lastId();
    await me.send('ok', { replyTo: card.messageId });
    expect((await chat.textAfter(replied, 'Tap Run')).text).toBe('Tap Run, Edit or Cancel.');
    expect((await detail(id)).status).toBe('awaiting_approval');
    expect(await t.tap(me.userId, card, dataOf(card, 'Run'))).toBe(`Running #${refOf(id)}.`);
    const done = await t.api.settled<Detail>(id);
    expect(done.status).toBe('succeeded');
    expect(done.approvals).toMatchObject([{ gate: 'confirm', status: 'approved' }]);
  });

  it('drops a guess on Cancel, and replaces it with the wording sent after Edit', async () => {
    const me = t.emu.user({ userId: owner(3).userId });
    const chat = t.chat(me.chatId);
    let since = chat.lastId();
    await me.send('tidy up things');
    const first = await chat.cardAfter(since);
    expect(await t.tap(me.userId, first, dataOf(first, 'Cancel'))).toBe(
      `Cancelled #${refOf(taskIdOf(first))}.`,
    );
    expect((await detail(taskIdOf(first))).status).toBe('cancelled');

    since = chat.lastId();
    await me.send('summarize readme');
    const guess = await chat.cardAfter(since);
    const prompt = chat.lastId();
    expect(await t.tap(me.userId, guess, dataOf(guess, 'Edit'))).toBe(null);
    const ask = await chat.textAfter(prompt, 'Send the corrected request');
    since = chat.lastId();
    await me.send('df -h on local', { replyTo: ask.messageId });
    const replaced = await chat.cardAfter(since);
    expect(replaced.text.split('\n')[0]).toBe('⏳ shell on local · df -h');
    expect((await detail(taskIdOf(guess))).status).toBe('cancelled');
    expect((await t.api.settled<Detail>(taskIdOf(replaced))).status).toBe('succeeded');
  });

  it('reads a command line naming a host as a shell task under the shell policy', async () => {
    const me = t.emu.user({ userId: owner(4).userId });
    const chat = t.chat(me.chatId);
    let since = chat.lastId();
    await me.send('df -h on local');
    const df = await chat.cardAfter(since);
    expect(df.text.split('\n')[0]).toBe('⏳ shell on local · df -h');
    since = chat.lastId();
    await me.send('restart nginx on local');
    const restart = await chat.cardAfter(since);
    expect(restart.text.split('\n')[0]).toBe('✋ shell on local · restart nginx');
    expect(labelsOf(restart)).toEqual(['Approve', 'Reject']);
    expect(await detail(taskIdOf(restart))).toMatchObject({ kind: 'shell', gate: 'tap' });
  });

  it('in a group acts only on commands, mentions and replies to its own messages', async () => {
    const GROUP = -405;
    const member = t.emu.user({ userId: owner(5).userId, chatId: GROUP, chatType: 'group' });
    const chat = t.chat(GROUP);
    const chatter = ['haha nice one, see you tomorrow', 'run `touch group-chatter-file` on local'];
    for (const text of chatter) await member.send(text);
    await settle();
    expect(chat.after(0)).toEqual([]);
    const made = (await t.tasks()).filter(
      (x) => chatter.includes(x.prompt ?? '') || x.argv?.includes('group-chatter-file'),
    );
    expect(made).toEqual([]);
    expect(existsSync(join(t.dir, 'group-chatter-file'))).toBe(false);

    // A mention is a request (the mention itself is no part of it).
    let since = chat.lastId();
    await member.send('@TestNameBot run `touch group-mention-file` on local');
    const card = await chat.cardAfter(since);
    expect(card.text.split('\n')[0]).toBe('✋ shell on local · touch group-mention-file');
    // A reply to the bot's own message is addressed to it too.
    since = chat.lastId();
    await member.send('go ahead', { replyTo: card.messageId });
    expect((await chat.textAfter(since, 'Tap')).text).toBe('Tap Approve or Reject.');
    // A command is answered.
    since = chat.lastId();
    await member.send('/status');
    expect((await chat.textAfter(since, 'Status')).text.split('\n')[0]).toBe('Status');
    expect((await detail(taskIdOf(card))).status).toBe('awaiting_approval');
  });
});
