import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCallback } from '../../src/bot/callback-data.js';
import type { RunningSwitchboard } from '../../src/entry/node.js';
import { adminClient, startInProcess } from '../helpers/in-process.js';
import { startSshd, type Sshd } from '../helpers/sshd.js';
import {
  startTelegramEmulator,
  type SentMessage,
  type TelegramEmulator,
} from '../helpers/telegram-emulator.js';
import { ECHO_DEPLOY_TEMPLATE } from '../helpers/telegram-fixtures.js';
import { makeTempDir } from '../helpers/temp-db.js';

const TOKEN = 'telegram-e2e-admin-token-0123';
const OWNER = 1001;
const VIEWER = 2002;
const STRANGER = 3003;

// Stands in for the claude CLI: claude's real result shape, echoing its arguments and prompt.
const FAKE_CLAUDE = `#!/bin/sh
prompt=$(cat)
printf '{"type":"result","subtype":"success","is_error":false,"result":"args: %s | prompt: %s","session_id":"7fc06135-799f-49d2-b1c0-df3cc5a539a9","total_cost_usd":0.0123,"usage":{"input_tokens":10,"output_tokens":5}}\\n' "$*" "$prompt"
`;

type Button = { text: string; callback_data: string };
const buttonsOf = (m: SentMessage | undefined): Button[] =>
  ((m?.replyMarkup?.inline_keyboard ?? []) as Button[][]).flat();
const button = (m: SentMessage | undefined, text: string): Button => {
  const b = buttonsOf(m).find((x) => x.text === text);
  if (!b) throw new Error(`no ${text} button on ${JSON.stringify(m)}`);
  return b;
};

describe('Telegram bot end to end (Bot API emulator, long polling, real runner and sshd)', () => {
  let emu: TelegramEmulator;
  let app: RunningSwitchboard;
  let sshd: Sshd;
  beforeAll(async () => {
    [emu, sshd] = await Promise.all([startTelegramEmulator(), startSshd({ maxSessions: 10 })]);
    const dir = makeTempDir();
    mkdirSync(join(dir, 'templates'));
    writeFileSync(join(dir, 'templates', 'deploy.md'), ECHO_DEPLOY_TEMPLATE);
    mkdirSync(join(dir, 'bin'));
    writeFileSync(join(dir, 'bin', 'claude'), FAKE_CLAUDE);
    chmodSync(join(dir, 'bin', 'claude'), 0o755);
    app = await startInProcess({
      dir,
      adminToken: TOKEN,
      path: `${join(dir, 'bin')}:/usr/bin:/bin`,
      env: { TELEGRAM_BOT_TOKEN: emu.token, TELEGRAM_API_ROOT: emu.apiRoot },
      yaml: [
        'users:',
        `  - { telegram_id: ${OWNER}, name: ops, role: owner }`,
        `  - { telegram_id: ${VIEWER}, name: watcher, role: viewer }`,
        'hosts:',
        `  - { name: vm, address: ${sshd.host}, port: ${sshd.port}, user: ${sshd.user}, key_file: ${sshd.clientKeyPath}, host_key: "${sshd.hostKeySha256}", max_sessions: 10 }`,
        `templates_dir: ${join(dir, 'templates')}`,
        'approvals: { timeout_s: 10, shell_allow_list: [{ argv: [uname], args: [-a, -s, -m, -r] }, { argv: [head], args: [-c], paths: true }] }',
        'telegram: { edit_interval_ms: 100 }',
        'executors: [{ name: claude-sonnet, cli: claude, model: sonnet }]',
      ].join('\n'),
    });
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await emu?.stop();
    await sshd?.stop();
  });

  const api = adminClient(() => app.url, TOKEN);
  const ops = () => emu.user({ userId: OWNER });
  /** The card the bot posted in reply to the chat's latest message matching `text`. */
  const cardAfter = (chatId: number, since: number) =>
    emu.waitFor('a task card', () =>
      emu.messages(chatId).find((m) => m.messageId > since && /#[0-9a-f]{8} · /.test(m.text)),
    );
  const lastId = (chatId: number) => emu.messages(chatId).at(-1)?.messageId ?? 0;
  const taskIdOf = (m: SentMessage) => {
    const parsed = parseCallback(buttonsOf(m)[0]?.callback_data);
    if (!parsed || parsed.action === 'answer') throw new Error('no task button');
    return parsed.taskId;
  };
  const current = (m: SentMessage) =>
    emu.messages(m.chatId).find((x) => x.messageId === m.messageId)!;

  it('registers its commands and refuses a stranger without creating anything', async () => {
    expect(
      (emu.commands() as { commands: { command: string }[] }).commands.map((c) => c.command),
    ).toEqual(
      expect.arrayContaining([
        'status',
        'tasks',
        'task',
        'cancel',
        'hosts',
        'breakers',
        'spend',
        'login',
        'help',
      ]),
    );
    const before = (await (
      await fetch(`${app.url}/api/tasks`, { headers: api.headers })
    ).json()) as { items: unknown[] };
    await emu.user({ userId: STRANGER }).send('run `uname` on vm');
    const refusal = await emu.waitFor('refusal', () => emu.messages(STRANGER)[0]);
    expect(refusal.text).toContain('private bot');
    expect(refusal.text).toContain(String(STRANGER));
    const after = (await (
      await fetch(`${app.url}/api/tasks`, { headers: api.headers })
    ).json()) as { items: unknown[] };
    expect(after.items).toHaveLength(before.items.length);
  });

  it('runs a risky command over SSH after one tap, editing live output into one message, then notifies once', async () => {
    const since = lastId(OWNER);
    await ops().send("run `sh -c 'for i in 1 2 3 4; do echo step $i; sleep 0.8; done'` on vm");
    const card = await cardAfter(OWNER, since);
    expect(card.text.split('\n')[0]).toMatch(/^✋ shell on vm · sh -c/);
    expect(buttonsOf(card).map((b) => b.text)).toEqual(['Approve', 'Reject']);
    const editsBefore = emu.calls('editMessageText').length;
    await ops().tap(card.messageId, button(card, 'Approve').callback_data);
    const done = await emu.waitFor(
      'succeeded',
      () => current(card).text.includes('succeeded') && current(card),
      20_000,
    );
    expect(done.text).toContain('step 4');
    expect(done.text).toContain('Approved by ops');
    expect(buttonsOf(done).map((b) => b.text)).toEqual(['Full output', 'Re-run']);
    const edits = emu
      .calls('editMessageText')
      .slice(editsBefore)
      .filter((c) => c.body.message_id === card.messageId);
    // Live output arrived while it ran (progress every 2 s), then the final state.
    expect(
      edits.some((c) => /running/.test(String(c.body.text)) && /step \d/.test(String(c.body.text))),
    ).toBe(true);
    const note = await emu.waitFor('notification', () =>
      emu
        .messages(OWNER)
        .find((m) => m.replyToMessageId === card.messageId && !m.disableNotification),
    );
    expect(note.text).toMatch(/^✅ #[0-9a-f]{8} succeeded/);
    expect(
      emu
        .messages(OWNER)
        .filter(
          (m) => m.messageId > since && !m.disableNotification && m.messageId !== card.messageId,
        ),
    ).toHaveLength(1);
  }, 30_000);

  it('answers every tap: a viewer cannot approve, a double tap changes nothing, a reject shows who', async () => {
    const since = lastId(OWNER);
    await ops().send('deploy web to staging');
    const card = await cardAfter(OWNER, since);
    const taskId = taskIdOf(card);
    expect(buttonsOf(card).map((b) => b.text)).toEqual(['Approve', 'Reject']);
    const answers = emu.callbackAnswers().length;
    await emu
      .user({ userId: VIEWER, chatId: OWNER })
      .tap(card.messageId, button(card, 'Approve').callback_data);
    await emu.waitFor('viewer answer', () => emu.callbackAnswers().length > answers);
    expect(emu.callbackAnswers().at(-1)?.text).toBe('Only an approver can do that.');
    await ops().tap(card.messageId, button(card, 'Reject').callback_data);
    await ops().tap(card.messageId, button(card, 'Approve').callback_data);
    await emu.waitFor('both answers', () => emu.callbackAnswers().length >= answers + 3);
    expect(
      emu
        .callbackAnswers()
        .slice(-2)
        .map((a) => a.text),
    ).toEqual([expect.stringMatching(/^Rejected #/), 'Already rejected by ops.']);
    const rejected = await emu.waitFor(
      'card shows rejection',
      () => current(card).text.includes('Rejected by ops') && current(card),
    );
    expect(buttonsOf(rejected)).toEqual([]);
    expect((await api.get(taskId)).status).toBe('rejected');
  });

  it('takes a production deploy by the typed phrase alone, as a reply to the card', async () => {
    const since = lastId(OWNER);
    await ops().send('deploy api to production');
    const card = await cardAfter(OWNER, since);
    expect(buttonsOf(card).map((b) => b.text)).toEqual(['Reject']);
    expect(card.text).toContain('DEPLOY TO PRODUCTION');
    await ops().send('deploy to production', { replyTo: card.messageId });
    await emu.waitFor('phrase refused', () =>
      emu
        .messages(OWNER)
        .find(
          (m) => m.messageId > card.messageId && m.text === 'Type DEPLOY TO PRODUCTION exactly.',
        ),
    );
    expect((await api.get(taskIdOf(card))).status).toBe('awaiting_approval');
    await ops().send('DEPLOY TO PRODUCTION', { replyTo: card.messageId });
    const done = await api.settled<{ status: string; stages: { stdout_tail: string }[] }>(
      taskIdOf(card),
    );
    expect(done.status).toBe('succeeded');
    expect(done.stages[0]?.stdout_tail).toBe('deploying api to production\n');
  });

  it('expires an unanswered card as a rejection and updates it', async () => {
    const since = lastId(OWNER);
    await ops().send('deploy web to staging');
    const card = await cardAfter(OWNER, since);
    const taskId = taskIdOf(card);
    const approve = button(card, 'Approve').callback_data;
    const expired = await emu.waitFor(
      'expired card',
      () => current(card).text.includes('expired') && current(card),
      25_000,
    );
    expect(buttonsOf(expired)).toEqual([]);
    expect((await api.get(taskId)).status).toBe('expired');
    // A tap on the old card afterwards is answered and changes nothing.
    const answers = emu.callbackAnswers().length;
    await ops().tap(card.messageId, approve);
    await emu.waitFor('stale answer', () => emu.callbackAnswers().length > answers);
    expect(emu.callbackAnswers().at(-1)?.text).toMatch(/expired|already/i);
  }, 30_000);

  it.each([4_097, 20_000])(
    'sends %i characters of output whole, never a message over 4096',
    async (n) => {
      const since = lastId(OWNER);
      await ops().send(`/run local sh -c "head -c ${n} /dev/zero | tr '\\\\000' x"`);
      const card = await cardAfter(OWNER, since);
      await ops().tap(card.messageId, button(card, 'Approve').callback_data);
      const note = await emu.waitFor(
        'document',
        () => emu.messages(OWNER).find((m) => m.replyToMessageId === card.messageId && m.document),
        15_000,
      );
      expect(note.document?.content).toBe('x'.repeat(n));
      const before = lastId(OWNER);
      await ops().tap(card.messageId, button(current(card), 'Full output').callback_data);
      if (n < 8_000) {
        const pieces = await emu.waitFor('two pieces', () => {
          const m = emu.messages(OWNER).filter((x) => x.messageId > before);
          return m.length >= 2 && m;
        });
        const shown = pieces.flatMap((p) =>
          p.entities
            .filter((e) => e.type === 'pre')
            .map((e) => p.text.slice(e.offset, e.offset + e.length)),
        );
        expect(shown.join('')).toBe('x'.repeat(n));
      } else {
        const doc = await emu.waitFor('output document', () =>
          emu.messages(OWNER).find((x) => x.messageId > before && x.document),
        );
        expect(doc.document?.content).toBe('x'.repeat(n));
      }
      for (const c of [...emu.calls('sendMessage'), ...emu.calls('editMessageText')]) {
        expect(String(c.body.text).length).toBeLessThanOrEqual(4096);
      }
    },
  );

  it('runs a low-risk prompt with no tap, and a reply to its result continues the same session', async () => {
    const since = lastId(OWNER);
    await ops().send('ask claude to say hello');
    const card = await cardAfter(OWNER, since);
    expect(card.text.split('\n')[0]).toBe('⏳ claude-sonnet on local · say hello');
    const done = await emu.waitFor(
      'agent result',
      () => current(card).text.includes('succeeded') && current(card),
      15_000,
    );
    expect(done.text).toContain('prompt: say hello');
    expect(done.text).toContain('$0.01');
    expect(buttonsOf(done).map((b) => b.text)).toEqual(['Full output', 'Re-run', 'Continue']);
    const first = taskIdOf(done);
    const before = lastId(OWNER);
    await ops().send('now say goodbye', { replyTo: card.messageId });
    const next = await cardAfter(OWNER, before);
    const finished = await emu.waitFor(
      'continued',
      () => current(next).text.includes('succeeded') && current(next),
      15_000,
    );
    expect(finished.text).toContain('--resume=7fc06135-799f-49d2-b1c0-df3cc5a539a9');
    expect(finished.text).toContain('prompt: now say goodbye');
    const task = await api.get<{ continues_task_id: string | null }>(taskIdOf(finished));
    expect(task.continues_task_id).toBe(first);
  }, 40_000);

  it('checks each person in a group: members act, a stranger is refused only when addressing the bot', async () => {
    const GROUP = -100123;
    const member = emu.user({ userId: OWNER, chatId: GROUP, chatType: 'group' });
    const stranger = emu.user({ userId: STRANGER, chatId: GROUP, chatType: 'group' });
    await stranger.send('run `uname -a` on local');
    await stranger.send('/status');
    const refusal = await emu.waitFor('refusal in the group', () =>
      emu.messages(GROUP).find((m) => m.text.includes('private bot')),
    );
    expect(refusal.text).toContain(String(STRANGER));
    // In a group the bot acts on what is addressed to it: here an @mention.
    await member.send('@TestNameBot run `uname -a` on local');
    const card = await cardAfter(GROUP, 0);
    expect(card.text.split('\n')[0]).toBe('⏳ shell on local · uname -a');
    // The stranger's plain message made no task and got no answer of its own.
    expect(emu.messages(GROUP).filter((m) => m.text.includes('private bot'))).toHaveLength(1);
  });

  it('waits out a 429 from Telegram (retry_after) and a 409 while polling, and loses nothing', async () => {
    emu.failNext('sendMessage', 1, {
      error_code: 429,
      description: 'Too Many Requests: retry after 1',
      retry_after: 1,
    });
    const since = lastId(OWNER);
    await ops().send('run `uname -s` on local');
    const card = await cardAfter(OWNER, since);
    expect(card.text).toContain('uname -s');
    // The poll in flight ends with the next message; the two polls after it are refused.
    emu.failNext('getUpdates', 2, {
      error_code: 409,
      description: 'Conflict: terminated by other getUpdates request',
    });
    const polls = emu.calls('getUpdates').length;
    const after = lastId(OWNER);
    await ops().send('run `uname -m` on local');
    await cardAfter(OWNER, after);
    const later = lastId(OWNER);
    await ops().send('run `uname -r` on local');
    const next = await cardAfter(OWNER, later);
    expect(next.text).toContain('uname -r');
    expect(emu.calls('getUpdates').length).toBeGreaterThanOrEqual(polls + 4);
  }, 20_000);

  it('notifies at the end even when the task finished before its card was sent, binary output included', async () => {
    const since = lastId(OWNER);
    await ops().send('/run local head -c 5000 /dev/zero');
    const card = await cardAfter(OWNER, since);
    const note = await emu.waitFor('the notification', () =>
      emu
        .messages(OWNER)
        .find((m) => m.replyToMessageId === card.messageId && !m.disableNotification),
    );
    // NUL bytes are stored and shown as ␀ (SQLite text would end at the first one).
    expect(note.document?.content).toBe('\u2400'.repeat(5000));
    expect(note.text).toMatch(/^✅ #[0-9a-f]{8} succeeded/);
  });

  it('sends a card to every approver for risky work started elsewhere; deciding there clears it', async () => {
    const since = lastId(OWNER);
    const { body } = await api.post('/api/tasks', {
      kind: 'shell',
      host: 'local',
      argv: ['touch', '/tmp/sb-from-api'],
    });
    expect(body.status).toBe('awaiting_approval');
    const card = await emu.waitFor('approver card', () =>
      emu
        .messages(OWNER)
        .find((m) => m.messageId > since && m.text.includes('touch /tmp/sb-from-api')),
    );
    expect(card.disableNotification).toBe(false);
    expect(buttonsOf(card).map((b) => b.text)).toEqual(['Approve', 'Reject']);
    // The viewer is no approver: no card for them.
    expect(emu.messages(VIEWER).some((m) => m.text.includes('sb-from-api'))).toBe(false);
    await ops().tap(card.messageId, button(card, 'Approve').callback_data);
    const decided = await emu.waitFor(
      'decided card',
      () => current(card).text.includes('Approved by ops') && current(card),
    );
    expect(buttonsOf(decided)).toEqual([]);
    expect((await api.settled(body.id)).status).toBe('succeeded');
  });
});
