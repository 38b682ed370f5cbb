import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dataOf,
  isCard,
  owner,
  refOf,
  startTelegramApp,
  STRANGER,
  taskIdOf,
  VIEWER,
  type TelegramApp,
} from '../helpers/telegram-app.js';

const refusal = (id: number) =>
  'Sorry, this is a private bot: it runs work on its owner’s machines. ' +
  `If you should have access, ask the owner to add your Telegram id (${id}) to its config.`;

// Side by side, each in its own chat (Telegram paces messages per chat at 1/s).
describe.concurrent('Telegram access, commands and queries (polling)', () => {
  let t: TelegramApp;
  beforeAll(async () => {
    t = await startTelegramApp({ yaml: ['runner: { concurrency: 4 }'] });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  const tasksWith = async (argv: string) =>
    (await t.tasks()).filter((x) => x.argv?.join(' ') === argv);
  /** Sends `text` as `user` and returns the bot's first message after it. */
  async function ask(user: { send(text: string): Promise<void>; chatId: number }, text: string) {
    const chat = t.chat(user.chatId);
    const since = chat.lastId();
    await user.send(text);
    return structuredClone(
      await t.emu.waitFor(`an answer to "${text}"`, () => chat.after(since)[0]),
    );
  }

  it('refuses a stranger in a private chat, once per message, and does nothing else', async () => {
    const stranger = t.emu.user({ userId: STRANGER });
    for (const text of ['run `touch stranger-file` on local', '/start', 'status'])
      expect((await ask(stranger, text)).text).toBe(refusal(STRANGER));
    await new Promise((r) => setTimeout(r, 1_200)); // anything more would be paced 1 s behind
    expect(t.emu.messages(STRANGER).map((m) => m.text)).toEqual(Array(3).fill(refusal(STRANGER)));
    expect(await tasksWith('touch stranger-file')).toEqual([]);
    expect(existsSync(join(t.dir, 'stranger-file'))).toBe(false);
  });

  it('checks each person in a group: members act, a viewer reads, a stranger is refused when addressing the bot', async () => {
    const GROUP = -302;
    const member = t.emu.user({ userId: owner(1).userId, chatId: GROUP, chatType: 'group' });
    const viewer = t.emu.user({ userId: VIEWER, chatId: GROUP, chatType: 'group' });
    const stranger = t.emu.user({ userId: STRANGER, chatId: GROUP, chatType: 'group' });
    const chat = t.chat(GROUP);
    // Plain talk from a stranger in a group gets no answer (it would be noise) and no task.
    await stranger.send('@TestNameBot run `touch group-stranger-file` on local');
    expect((await ask(stranger, '/status')).text).toBe(refusal(STRANGER));
    // In a group a request is addressed to the bot (@mention); see telegram-safety.test.ts.
    const card = await ask(member, '@TestNameBot run `touch group-member-file` on local');
    expect(isCard(card)).toBe(true);
    expect(card.text.split('\n')[0]).toBe('✋ shell on local · touch group-member-file');
    expect((await ask(viewer, '@TestNameBot run `uname -a` on local')).text).toBe(
      'A viewer may not do task.submit.',
    );
    expect((await ask(viewer, '/status')).text.split('\n')[0]).toBe('Status');
    // A stranger's tap on the member's card: an alert, and the gate stays shut.
    expect(await t.tap(STRANGER, card, dataOf(card, 'Approve'))).toBe(refusal(STRANGER));
    expect(t.emu.callbackAnswers().at(-1)?.showAlert).toBe(true);
    expect((await t.api.get(taskIdOf(card))).status).toBe('awaiting_approval');
    expect(chat.after(0).filter((m) => m.text === refusal(STRANGER))).toHaveLength(1);
    expect(await tasksWith('touch group-stranger-file')).toEqual([]);
    expect(await tasksWith('uname -a')).toEqual([]);
  });

  it('greets with /start and answers /help, /hosts, /login, /task, /cancel, /spend, /breakers', async () => {
    const me = t.emu.user({ userId: owner(2).userId });
    const hello = await ask(me, '/start');
    expect(hello.text.split('\n').slice(0, 2)).toEqual([
      'Hello ops2 — you are an owner here.',
      'This chat now gets task results and spend alerts.',
    ]);
    const help = await ask(me, '/help');
    expect(help.text.split('\n')[0]).toBe('Just say what you want done:');
    expect(hello.text).toContain(help.text);
    expect((await ask(me, '/hosts')).text).toBe('Hosts\n• local — this machine');
    expect((await ask(me, '/login')).text).toBe(
      'The web app needs a public URL (public_url in the config); none is set.',
    );
    expect((await ask(me, '/task')).text).toBe('Which task? /task <id>');
    expect((await ask(me, '/cancel')).text).toBe('Which task? /cancel <id>');
    // Other tests in this file run paid agents concurrently: the amounts move, the shape not.
    const spendShape =
      /^Spend\nToday \(\d{4}-\d\d-\d\d UTC\): \$[\d.]+ of \$20\.00 · ok\nThis month \(\d{4}-\d\d\): \$[\d.]+ of \$80\.00 · ok$/;
    expect((await ask(me, '/spend')).text).toMatch(spendShape);
    expect((await ask(me, '/breakers')).text).toMatch(spendShape);
  });

  it('answers status, what’s running and spend today from the store', async () => {
    const me = t.emu.user({ userId: owner(5).userId });
    const status = await ask(me, 'status');
    expect(status.text.split('\n').slice(0, 2)).toEqual([
      'Status',
      expect.stringMatching(/^Queued: \d+ · running: \d+ · awaiting approval: \d+$/),
    ]);
    expect(status.text).toContain('Breakers');
    const running = await ask(me, "what's running");
    expect(running.text.split('\n')[0]).toBe('Running and queued');
    const spend = await ask(me, 'spend today');
    expect(spend.text).toMatch(/^Spend\nToday \(\d{4}-\d\d-\d\d UTC\): \$0 of \$20\.00 · ok$/);
  });

  it('lists tasks with /tasks, shows one with /task <ref>, and runs one again with retry <ref>', async () => {
    const me = t.emu.user({ userId: owner(3).userId });
    const chat = t.chat(me.chatId);
    const card = await ask(me, 'run `uname -s` on local');
    const id = taskIdOf(card);
    const ref = refOf(id);
    await chat.until(card, 'succeeded');
    await chat.notification(card);

    const list = await ask(me, '/tasks');
    expect(list.text.split('\n')[0]).toBe('Recent tasks');
    expect(list.text).toContain(`✅ #${ref} succeeded · shell on local · uname -s`);
    const shown = await ask(me, `/task ${ref}`);
    expect(shown.text.split('\n').slice(0, 2)).toEqual([
      '✅ shell on local · uname -s',
      expect.stringMatching(new RegExp(`^#${ref} · succeeded · `)),
    ]);
    expect(shown.disableNotification).toBe(true);

    const again = await ask(me, `retry ${ref}`);
    expect(isCard(again)).toBe(true);
    expect(again.text.split('\n')[0]).toBe('⏳ shell on local · uname -s');
    const second = taskIdOf(again);
    expect(second).not.toBe(id);
    expect((await t.api.settled(second)).status).toBe('succeeded');
    expect(await tasksWith('uname -s')).toHaveLength(2);
    await chat.notification(again);
  }, 30_000);

  it('runs /run and /ask, and [Cancel] stops a running command', async () => {
    const me = t.emu.user({ userId: owner(6).userId });
    const chat = t.chat(me.chatId);
    const pidFile = join(t.dir, 'cancel.pid');
    // Shell syntax in /run makes it `sh -c <the command>`.
    const card = await ask(me, `/run local echo $$ > ${pidFile}; exec sleep 30`);
    expect(card.text.split('\n')[0]).toBe(
      `✋ shell on local · sh -c echo $$ > ${pidFile}; exec sleep 30`,
    );
    expect(await t.tap(me.userId, card, dataOf(card, 'Approve'))).toMatch(/^Approved /);
    const running = await chat.until(card, ' · running · ');
    await t.emu.waitFor('the pid file', () => existsSync(pidFile));
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(process.kill(pid, 0)).toBe(true);
    expect(await t.tap(me.userId, card, dataOf(running, 'Cancel'))).toBe(
      `Cancelled #${refOf(taskIdOf(card))}.`,
    );
    const cancelled = await chat.until(card, ' · cancelled');
    expect(cancelled.text.split('\n')[0]).toMatch(/^🚫 shell on local/);
    expect((await t.api.get(taskIdOf(card))).status).toBe('cancelled');
    await t.emu.waitFor('the command to be killed', () => {
      try {
        return !process.kill(pid, 0);
      } catch {
        return true;
      }
    });
    await chat.notification(card);

    const asked = await ask(me, '/ask claude-sonnet say hi');
    expect(asked.text.split('\n')[0]).toBe('⏳ claude-sonnet on local · say hi');
    expect((await chat.until(asked, 'succeeded')).text).toContain('prompt: say hi');
  }, 30_000);

  // Phones type U+2019 (and /help shows it): it must be the query, not a paid agent prompt.
  it('answers “what’s running?” with the typographic apostrophe as /help writes it', async () => {
    const me = t.emu.user({ userId: owner(4).userId });
    expect((await ask(me, '/help')).text).toContain('what’s running?');
    const answer = await ask(me, 'what’s running?');
    expect(answer.text.split('\n')[0]).toBe('Running and queued');
  });
});
