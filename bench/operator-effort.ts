import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHATTER_REPLY } from '../src/core/intent/parse-request.js';
import { adminClient, startInProcess } from '../test/helpers/in-process.js';
import { startTelegramEmulator, type SentMessage } from '../test/helpers/telegram-emulator.js';
import { ECHO_DEPLOY_TEMPLATE } from '../test/helpers/telegram-fixtures.js';
import { makeTempDir } from '../test/helpers/temp-db.js';

export interface EffortRow {
  readonly request: string;
  readonly target: string;
  readonly taps: number;
  readonly typed: number;
  readonly outcome: string;
}

const OWNER = 1001;
// Stands in for the claude CLI, so a guess that is run after its Run tap has an agent to run.
const FAKE_CLAUDE = `#!/bin/sh
cat >/dev/null
printf '{"type":"result","subtype":"success","is_error":false,"result":"ok","session_id":"s","total_cost_usd":0,"usage":{"input_tokens":1,"output_tokens":1}}\\n'
`;
const TOKEN = 'bench-effort-admin-token-0123';

type Button = { text: string; callback_data: string };
const buttons = (m: SentMessage) => ((m.replyMarkup?.inline_keyboard ?? []) as Button[][]).flat();

/**
 * What the operator must do, counted by driving the real bot through the Bot API emulator:
 * taps on Approve (or on a question's button) and typed confirmations until the task runs.
 */
export async function measureOperatorEffort(): Promise<EffortRow[]> {
  const emu = await startTelegramEmulator();
  const dir = makeTempDir();
  mkdirSync(join(dir, 'templates'));
  writeFileSync(join(dir, 'templates', 'deploy.md'), ECHO_DEPLOY_TEMPLATE);
  mkdirSync(join(dir, 'bin'));
  writeFileSync(join(dir, 'bin', 'claude'), FAKE_CLAUDE);
  chmodSync(join(dir, 'bin', 'claude'), 0o755);
  const app = await startInProcess({
    dir,
    adminToken: TOKEN,
    path: `${join(dir, 'bin')}:/usr/bin:/bin`,
    env: { TELEGRAM_BOT_TOKEN: emu.token, TELEGRAM_API_ROOT: emu.apiRoot },
    yaml: [
      `users: [{ telegram_id: ${OWNER}, name: ops, role: owner }]`,
      `templates_dir: ${join(dir, 'templates')}`,
      'executors: [{ name: claude-sonnet, cli: claude, model: sonnet }]',
      'telegram: { edit_interval_ms: 100 }',
    ].join('\n'),
  });
  const api = adminClient(() => app.url, TOKEN);
  const ops = emu.user({ userId: OWNER });
  const rows: EffortRow[] = [];
  try {
    for (const [request, target] of [
      ['run `uname -s` on local', '0 taps'],
      ['deploy web to staging', '1 tap'],
      ['deploy api to production', 'typed phrase only'],
      ['hi', 'no task'],
      ['thanks!', 'no task'],
      // Text the parser can only hand to the default agent: a guess, run after one Run tap.
      ['make onboarding nicer', '1 tap (Run)'],
      // A command line naming a host: a shell task under the shell policy (df is allow-listed).
      ['df -h on local', '0 taps'],
      // Not on the allow-list: a shell command behind Approve, never an agent prompt.
      ['restart nginx on local', '1 tap'],
    ] as const) {
      const since = emu.messages(OWNER).at(-1)?.messageId ?? 0;
      await ops.send(request);
      let taps = 0;
      let typed = 0;
      const answer = await emu.waitFor('a card or help', () =>
        emu
          .messages(OWNER)
          .find(
            (m) =>
              m.messageId > since && (/#[0-9a-f]{8} · /.test(m.text) || m.text === CHATTER_REPLY),
          ),
      );
      if (answer.text === CHATTER_REPLY) {
        // Chatter: one line of help, no card; nothing else may follow it.
        await new Promise((r) => setTimeout(r, 1_000));
        const cards = emu
          .messages(OWNER)
          .filter((m) => m.messageId > since && /#[0-9a-f]{8} · /.test(m.text));
        rows.push({ request, target, taps, typed, outcome: cards.length ? 'a task' : 'no task' });
        continue;
      }
      const card = await emu.waitFor('card', () =>
        emu.messages(OWNER).find((m) => m.messageId > since && /#[0-9a-f]{8} · /.test(m.text)),
      );
      const id = buttons(card)[0]?.callback_data.split(':')[1] ?? '';
      const taskId = `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20)}`;
      for (let step = 0; step < 5; step++) {
        const task = await api.get(taskId);
        if (task.status !== 'awaiting_approval') break;
        const now = emu.messages(OWNER).find((m) => m.messageId === card.messageId)!;
        const approve = buttons(now).find((b) => b.text === 'Approve' || b.text === 'Run');
        if (approve) {
          taps++;
          await ops.tap(card.messageId, approve.callback_data);
        } else if (now.text.includes('DEPLOY TO PRODUCTION')) {
          typed++;
          await ops.send('DEPLOY TO PRODUCTION', { replyTo: card.messageId });
        }
        await new Promise((r) => setTimeout(r, 200));
      }
      const done = await api.settled(taskId);
      rows.push({ request, target, taps, typed, outcome: done.status });
    }
  } finally {
    await app.close();
    await emu.stop();
  }
  return rows;
}

export function renderEffortSection(rows: readonly EffortRow[]): string {
  const met = (r: EffortRow) => {
    switch (r.target) {
      case '0 taps':
        return r.taps === 0 && r.typed === 0;
      case '1 tap':
      case '1 tap (Run)':
        return r.taps === 1 && r.typed === 0;
      case 'no task':
        return r.taps === 0 && r.typed === 0 && r.outcome === 'no task';
      default:
        return r.taps === 0 && r.typed === 1;
    }
  };
  return `## Operator effort (Telegram)

\`bench/operator-effort.ts\`: the real bot (long polling) against the Bot API emulator, an owner
sending each request and doing only what the bot asks for (tap Approve or Run, or reply with the
phrase) until the task runs; counted, not assumed. Chatter ("hi") gets one line of help and no task;
text the parser could only guess at waits for one Run tap (a riskier reading keeps its stronger
gate); a command line naming a host is a shell task under the allow-list, never an agent prompt
(\`restart\` is no command on this machine, so that one ends \`failed\` after its tap). Rerun just
this section and the Telegram intake one with \`npx tsx bench/run.ts --only telegram\`.

| Request | Target | Taps | Typed confirmations | Outcome | |
| --- | --- | --- | --- | --- | --- |
${rows.map((r) => `| \`\` ${r.request} \`\` | ${r.target} | ${r.taps} | ${r.typed} | ${r.outcome} | ${met(r) ? 'met' : '**missed**'} |`).join('\n')}`;
}
