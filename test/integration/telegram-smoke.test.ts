import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSwitchboard } from '../../src/entry/node.js';
import { startInProcess } from '../helpers/in-process.js';
import { startTelegramEmulator, type TelegramEmulator } from '../helpers/telegram-emulator.js';
import { makeTempDir } from '../helpers/temp-db.js';

describe('smoke', () => {
  let emu: TelegramEmulator;
  let app: RunningSwitchboard;
  beforeAll(async () => {
    emu = await startTelegramEmulator();
    const dir = makeTempDir();
    app = await startInProcess({
      dir,
      yaml: ['users:', '  - { telegram_id: 1001, name: ops, role: owner }', 'telegram: { edit_interval_ms: 100 }'].join('\n'),
      adminToken: 'smoke-admin-token-0123456789',
      env: { TELEGRAM_BOT_TOKEN: emu.token, TELEGRAM_API_ROOT: emu.apiRoot },
    });
  });
  afterAll(async () => {
    await app?.close();
    await emu?.stop();
  });
  it('runs a message', async () => {
    const ops = emu.user({ userId: 1001 });
    await ops.send('run `uname -s` on local');
    const done = await emu.waitFor('result', () => emu.messages(ops.chatId).find((m) => m.text.includes('succeeded')));
    console.log(JSON.stringify(emu.messages(ops.chatId), null, 1));
    expect(done.text).toContain('Linux');
  });
});
