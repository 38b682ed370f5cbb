// The whole product (`switchboard start` in this process) against the Telegram emulator, plus
// the card helpers the telegram-*.test.ts files share.
//
//   const t = await startTelegramApp({ yaml: ['approvals: { timeout_s: 10 }'] });
//   const chat = t.chat(OWNER);
//   const since = chat.lastId();
//   await t.emu.user({ userId: OWNER }).send('run `touch x` on local');
//   const card = await chat.cardAfter(since);               // a snapshot, as first sent
//   await t.tap(OWNER, card, dataOf(card, 'Approve'));      // → 'Approved #3f9a2c1b.'
//   await chat.until(card, 'succeeded');
//
// Telegram's pacing (grammY's throttler: one message per chat per second) makes a chat slow;
// tests that run side by side (describe.concurrent) each use a chat of their own: owner(n).
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCallback } from '../../src/bot/callback-data.js';
import type { RunningSwitchboard } from '../../src/entry/node.js';
import { adminClient, startInProcess } from './in-process.js';
import { startSshd, type Sshd } from './sshd.js';
import {
  startTelegramEmulator,
  type SentMessage,
  type TelegramEmulator,
} from './telegram-emulator.js';
import { makeTempDir } from './temp-db.js';

export const OWNER = 1001;
export const APPROVER = 1002;
export const VIEWER = 2002;
export const STRANGER = 3003;
/** More owners, each with a private chat of their own, so tests can run side by side. */
export const owner = (n: number) => ({ userId: 1010 + n, name: `ops${n}` });
const EXTRA_OWNERS = 8;

/** The repo's own templates/ folder (deploy: dev low, staging medium, production high). */
export const REPO_TEMPLATES = fileURLToPath(new URL('../../templates', import.meta.url));

// Stands in for the claude CLI: claude's real result shape, echoing its arguments and prompt.
const FAKE_CLAUDE = `#!/bin/sh
prompt=$(cat)
printf '{"type":"result","subtype":"success","is_error":false,"result":"args: %s | prompt: %s","session_id":"7fc06135-799f-49d2-b1c0-df3cc5a539a9","total_cost_usd":0.0123,"usage":{"input_tokens":10,"output_tokens":5}}\\n' "$*" "$prompt"
`;
// The deploy template runs ./scripts/deploy in the host's home folder (HOME is the test dir).
const DEPLOY_SCRIPT = `#!/bin/sh
echo "deploy script: $*"
`;
// Prints exactly $1 characters: lines of 63 "x" and a newline, cut to length.
const EMIT = `#!/bin/sh
awk -v n="$1" 'BEGIN { line = sprintf("%63s", ""); gsub(/ /, "x", line); s = "";
  while (length(s) < n) s = s line "\\n"; printf "%s", substr(s, 1, n) }'
`;

/** What `emit <n>` prints. */
export const emitted = (n: number): string =>
  `${'x'.repeat(63)}\n`.repeat(Math.ceil(n / 64)).slice(0, n);

export interface TaskRow {
  id: string;
  kind: string;
  status: string;
  argv: string[] | null;
  prompt: string | null;
  continues_task_id: string | null;
}

export interface TelegramApp {
  readonly emu: TelegramEmulator;
  readonly app: RunningSwitchboard;
  readonly dir: string;
  readonly sshd: Sshd | null;
  readonly api: ReturnType<typeof adminClient>;
  /** The latest tasks, newest first (GET /api/tasks?limit=50). */
  tasks(): Promise<TaskRow[]>;
  chat(chatId: number): ChatView;
  /**
   * Taps a button of `message` as `userId` (in the message's chat: a group when its id is
   * negative) and returns the toast. Taps are serialised: the next answer is this tap's.
   */
  tap(userId: number, message: SentMessage, data: string): Promise<string | null>;
  close(): Promise<void>;
}

export interface TelegramAppOptions {
  /** More YAML lines (approvals:, public_url:, …). */
  readonly yaml?: readonly string[];
  /** Start a real sshd and configure it as host `vm`. */
  readonly sshd?: boolean;
  readonly env?: Readonly<Record<string, string>>;
  /** Runs after the emulator is up and before the app starts (failNext on start-up calls). */
  readonly beforeStart?: (emu: TelegramEmulator) => void;
  /** Replaces the fake claude script (bin/claude). */
  readonly claude?: string;
  /** Replaces the `executors:` line. */
  readonly executors?: string;
}

const ADMIN_TOKEN = 'telegram-suite-admin-token-0123';

export async function startTelegramApp(o: TelegramAppOptions = {}): Promise<TelegramApp> {
  const [emu, sshd] = await Promise.all([
    startTelegramEmulator(),
    o.sshd ? startSshd({ maxSessions: 10 }) : null,
  ]);
  const dir = makeTempDir('switchboard-telegram-');
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  mkdirSync(join(dir, 'scripts'));
  for (const [path, body] of [
    [join(bin, 'claude'), o.claude ?? FAKE_CLAUDE],
    [join(bin, 'emit'), EMIT],
    [join(dir, 'scripts', 'deploy'), DEPLOY_SCRIPT],
  ] as const) {
    writeFileSync(path, body);
    chmodSync(path, 0o755);
  }
  const vm = sshd
    ? [
        'hosts:',
        `  - { name: vm, address: ${sshd.host}, port: ${sshd.port}, user: ${sshd.user}, key_file: ${sshd.clientKeyPath}, host_key: "${sshd.hostKeySha256}", max_sessions: 10 }`,
      ]
    : [];
  o.beforeStart?.(emu);
  const app = await startInProcess({
    dir,
    adminToken: ADMIN_TOKEN,
    path: `${bin}:/usr/bin:/bin`,
    env: { TELEGRAM_BOT_TOKEN: emu.token, TELEGRAM_API_ROOT: emu.apiRoot, ...o.env },
    yaml: [
      'users:',
      `  - { telegram_id: ${OWNER}, name: ops, role: owner }`,
      `  - { telegram_id: ${APPROVER}, name: lead, role: approver }`,
      `  - { telegram_id: ${VIEWER}, name: watcher, role: viewer }`,
      ...Array.from({ length: EXTRA_OWNERS }, (_, i) => owner(i + 1)).map(
        (m) => `  - { telegram_id: ${m.userId}, name: ${m.name}, role: owner }`,
      ),
      ...vm,
      `templates_dir: ${REPO_TEMPLATES}`,
      'telegram: { edit_interval_ms: 100 }',
      o.executors ?? 'executors: [{ name: claude-sonnet, cli: claude, model: sonnet }]',
      ...(o.yaml ?? []),
    ].join('\n'),
  });
  const api = adminClient(() => app.url, ADMIN_TOKEN);
  let taps: Promise<unknown> = Promise.resolve();
  return {
    emu,
    app,
    dir,
    sshd,
    api,
    async tasks() {
      const res = await fetch(`${app.url}/api/tasks?limit=50`, { headers: api.headers });
      if (res.status !== 200) throw new Error(`GET /api/tasks: ${res.status}`);
      return ((await res.json()) as { items: TaskRow[] }).items;
    },
    chat: (chatId) => chatView(emu, chatId),
    tap(userId, message, data) {
      const run = taps.then(async () => {
        const before = emu.callbackAnswers().length;
        const chatType = message.chatId < 0 ? 'group' : 'private';
        await emu.user({ userId, chatId: message.chatId, chatType }).tap(message.messageId, data);
        const answer = await emu.waitFor(
          'the answer to a tap',
          () => emu.callbackAnswers().length > before && emu.callbackAnswers()[before],
        );
        return answer.text;
      });
      taps = run.catch(() => undefined);
      return run;
    },
    async close() {
      await app.close();
      await emu.stop();
      await sshd?.stop();
    },
  };
}

export type Button = { text: string; callback_data: string };

export const buttonsOf = (m: SentMessage | undefined): Button[] =>
  ((m?.replyMarkup?.inline_keyboard ?? []) as Button[][]).flat();
export const labelsOf = (m: SentMessage | undefined): string[] => buttonsOf(m).map((b) => b.text);

/** The callback_data of the button with that label (throws when there is none). */
export function dataOf(m: SentMessage | undefined, label: string): string {
  const b = buttonsOf(m).find((x) => x.text === label);
  if (!b) throw new Error(`no ${label} button on ${JSON.stringify(m?.text)}`);
  return b.callback_data;
}

/** A task card: its second line is "#<8 hex> · <status>…". */
export const isCard = (m: SentMessage): boolean =>
  /^#[0-9a-f]{8} · /.test(m.text.split('\n')[1] ?? '');

/** The task a card's buttons act on. */
export function taskIdOf(m: SentMessage): string {
  for (const b of buttonsOf(m)) {
    const parsed = parseCallback(b.callback_data);
    if (parsed && parsed.action !== 'answer') return parsed.taskId;
  }
  throw new Error(`no task button on ${JSON.stringify(m.text)}`);
}

/** "3f9a2c1b": the short reference a card shows for a task id (its last 8 hex digits). */
export const refOf = (taskId: string): string => taskId.replace(/-/g, '').slice(-8);

/** The texts of every pre entity of a message. */
export const preTexts = (m: SentMessage): string[] =>
  m.entities
    .filter((e) => e.type === 'pre')
    .map((e) => m.text.slice(e.offset, e.offset + e.length));

export interface ChatView {
  /** The id of the chat's latest bot message (0 when none). */
  lastId(): number;
  /** Bot messages after `since`. */
  after(since: number): SentMessage[];
  /** The first card after `since`, as it was then (the emulator's own object changes on edits). */
  cardAfter(since: number, timeoutMs?: number): Promise<SentMessage>;
  /** The first bot message after `since` whose text contains `text` (a snapshot). */
  textAfter(since: number, text: string, timeoutMs?: number): Promise<SentMessage>;
  /** That message as it is now (a snapshot). */
  current(m: SentMessage): SentMessage;
  /** The one message that notifies at the end: not silent, a reply to the card. */
  notification(card: SentMessage, timeoutMs?: number): Promise<SentMessage>;
  /** Every non-silent bot message after `since` other than the card itself. */
  loudAfter(since: number, card: SentMessage): SentMessage[];
  /** Waits until that message's text contains `text`. */
  until(m: SentMessage, text: string, timeoutMs?: number): Promise<SentMessage>;
}

function chatView(emu: TelegramEmulator, chatId: number): ChatView {
  const after = (since: number) => emu.messages(chatId).filter((m) => m.messageId > since);
  const current = (m: SentMessage) => {
    const now = emu.messages(chatId).find((x) => x.messageId === m.messageId);
    if (!now) throw new Error(`message ${m.messageId} is gone`);
    return structuredClone(now);
  };
  return {
    lastId: () => emu.messages(chatId).at(-1)?.messageId ?? 0,
    after,
    cardAfter: async (since, timeoutMs) =>
      structuredClone(await emu.waitFor('a task card', () => after(since).find(isCard), timeoutMs)),
    textAfter: async (since, text, timeoutMs) =>
      structuredClone(
        await emu.waitFor(
          `a message with "${text}"`,
          () => after(since).find((m) => m.text.includes(text)),
          timeoutMs,
        ),
      ),
    current,
    notification: async (card, timeoutMs) =>
      structuredClone(
        await emu.waitFor(
          'the notification',
          () =>
            after(card.messageId).find(
              (m) => m.replyToMessageId === card.messageId && !m.disableNotification,
            ),
          timeoutMs,
        ),
      ),
    loudAfter: (since, card) =>
      after(since).filter((m) => !m.disableNotification && m.messageId !== card.messageId),
    until: (m, text, timeoutMs) =>
      emu.waitFor(
        `the card to say "${text}"`,
        () => current(m).text.includes(text) && current(m),
        timeoutMs,
      ),
  };
}
