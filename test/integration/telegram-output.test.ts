import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dataOf,
  emitted,
  owner,
  preTexts,
  refOf,
  startTelegramApp,
  taskIdOf,
  type TelegramApp,
} from '../helpers/telegram-app.js';

const LIMIT = 4096;

// Side by side, each size in its own chat (Telegram paces messages per chat at 1/s).
describe.concurrent('Telegram: long output goes whole, never in a message over 4096', () => {
  let t: TelegramApp;
  beforeAll(async () => {
    // `emit <n>` (on PATH) prints exactly n characters; allow-listed, so it runs at once.
    t = await startTelegramApp({
      yaml: [
        'approvals: { shell_allow_list: [{ argv: [emit], paths: true }] }',
        'runner: { concurrency: 4 }',
      ],
    });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  /** Runs `emit n` in owner n's chat; returns the chat, the final card and its notification. */
  async function emit(who: number, n: number) {
    const { userId } = owner(who);
    const chat = t.chat(userId);
    await t.emu.user({ userId }).send(`run \`emit ${n}\` on local`);
    const card = await chat.cardAfter(0);
    expect(card.text.split('\n')[0]).toBe(`⏳ shell on local · emit ${n}`);
    const done = await chat.until(card, 'succeeded', 15_000);
    const note = await chat.notification(card);
    // The card shows an excerpt; the one notification is its only loud message.
    expect(preTexts(done)[0]?.length).toBeLessThanOrEqual(900);
    expect(emitted(n).endsWith(preTexts(done)[0]!.replace(/^…/, ''))).toBe(true);
    expect(chat.loudAfter(0, card)).toEqual([note]);
    return { userId, chat, done, note, ref: refOf(taskIdOf(done)) };
  }
  /** Every text the bot sent or edited into that chat fits one Telegram message. */
  function expectNoneTooLong(chatId: number) {
    const texts = [...t.emu.calls('sendMessage'), ...t.emu.calls('editMessageText')]
      .filter((c) => Number(c.body.chat_id) === chatId)
      .map((c) => String(c.body.text));
    expect(texts.length).toBeGreaterThanOrEqual(2); // the card and its final edit at least
    for (const text of texts) expect(text.length).toBeLessThanOrEqual(LIMIT);
    for (const c of t.emu.calls('sendDocument').filter((x) => Number(x.body.chat_id) === chatId))
      expect(String(c.body.caption ?? '').length).toBeLessThanOrEqual(1024);
  }

  it.each([
    { who: 1, n: 3_500, kind: 'a text message' },
    { who: 2, n: 3_501, kind: 'a .txt document' },
  ])('notifies about $n characters of output with $kind', async ({ who, n }) => {
    const { note, ref } = await emit(who, n);
    expect(note.text).toMatch(new RegExp(`^✅ #${ref} succeeded · `));
    if (n <= 3_500) expect(note.document).toBeNull();
    else
      expect(note.document).toEqual({
        fileName: `${ref}-output.txt`,
        content: emitted(n),
        caption: note.text,
      });
  });

  it('4,097 characters: a .txt notification, and Full output in two pre messages that add up', async () => {
    const { userId, chat, done, note, ref } = await emit(3, 4_097);
    expect(note.document).toEqual({
      fileName: `${ref}-output.txt`,
      content: emitted(4_097),
      caption: note.text,
    });
    const since = chat.lastId();
    expect(await t.tap(userId, done, dataOf(done, 'Full output'))).toBeNull();
    const pieces = await t.emu.waitFor('two pieces', () => {
      const sent = chat.after(since);
      return sent.length >= 2 && sent;
    });
    await new Promise((r) => setTimeout(r, 1_500)); // a third piece would be paced 1 s behind
    expect(chat.after(since)).toHaveLength(2);
    expect(pieces[0]!.text.split('\n')[0]).toBe(`Output of #${ref} (attempt 1)`);
    expect(pieces.every((p) => p.disableNotification && p.document === null)).toBe(true);
    expect(pieces.flatMap(preTexts).join('')).toBe(emitted(4_097));
    expectNoneTooLong(userId);
  });

  it('20,000 characters: a .txt notification, and Full output as a .txt document', async () => {
    const { userId, chat, done, note, ref } = await emit(4, 20_000);
    expect(note.document?.content).toBe(emitted(20_000));
    expect(note.document?.fileName).toBe(`${ref}-output.txt`);
    const since = chat.lastId();
    expect(await t.tap(userId, done, dataOf(done, 'Full output'))).toBeNull();
    const doc = await t.emu.waitFor('the output document', () => chat.after(since)[0]);
    expect(doc.document).toEqual({
      fileName: `${ref}-output.txt`,
      content: emitted(20_000),
      caption: `Output of #${ref}`,
    });
    expect(doc.disableNotification).toBe(true);
    await new Promise((r) => setTimeout(r, 1_200));
    expect(chat.after(since)).toEqual([doc]);
    expectNoneTooLong(userId);
  });
});
