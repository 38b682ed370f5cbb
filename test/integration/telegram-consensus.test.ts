import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { owner, startTelegramApp, type TelegramApp } from '../helpers/telegram-app.js';

// A stand-in claude that answers by model: both models find the cause, they differ on the fix.
const FAKE_CLAUDE = `#!/bin/sh
model=""
for a in "$@"; do case "$a" in --model=*) model="\${a#--model=}" ;; esac; done
cat >/dev/null
printf '{"type":"result","subtype":"success","is_error":false,"result":"The login test waits on a real timer.\\\\nFix by %s.","total_cost_usd":0.01}\\n' "$model"
`;

describe('consensus from the chat: two cards, then the comparison', () => {
  let t: TelegramApp;
  beforeAll(async () => {
    t = await startTelegramApp({
      claude: FAKE_CLAUDE,
      executors: [
        'executors:',
        '  - { name: claude-sonnet, cli: claude, model: sonnet }',
        '  - { name: claude-opus, cli: claude, model: opus }',
      ].join('\n'),
    });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  it('runs "consensus: …" on two executors and replies with where their answers differ', async () => {
    const { userId } = owner(1);
    const user = t.emu.user({ userId });
    const chat = t.chat(user.chatId);
    const since = chat.lastId();
    await user.send('consensus: why is the login test flaky?');
    const report = await chat.textAfter(since, '🤝 Consensus', 20_000);
    expect(report.text).toMatch(/claude-sonnet ✅ \$0\.01 \(#[0-9a-f]{8}\) vs claude-opus ✅/);
    expect(report.text).toContain(
      'They agree on 33% of their lines; 1 only in the first, 1 only in the second.',
    );
    expect(report.text).toContain('-Fix by sonnet.');
    expect(report.text).toContain('+Fix by opus.');
    // Each executor had its own card, and the report came once.
    const cards = chat.after(since).filter((m) => /^[⏳✅❌].*claude-(sonnet|opus)/u.test(m.text));
    expect(cards.length).toBeGreaterThanOrEqual(2);
    await new Promise((r) => setTimeout(r, 500));
    expect(chat.after(since).filter((m) => m.text.startsWith('🤝 Consensus'))).toHaveLength(1);
  });
});
