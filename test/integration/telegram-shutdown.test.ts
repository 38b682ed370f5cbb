import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { abortableCalls } from '../../src/bot/abortable-calls.js';
import { createBot } from '../../src/bot/create-bot.js';
import { createMemoryOAuthStore } from '../../src/core/fakes/memory-oauth-store.js';
import { createMemoryChatStores } from '../../src/core/fakes/memory-chat-stores.js';
import { createMemoryStores } from '../../src/core/fakes/memory-stores.js';
import { SILENT_LOGGER } from '../../src/core/ports/logger.js';
import { coreDepsFor } from '../helpers/core-deps.js';
import { TEST_BOT_INFO } from '../helpers/telegram-fixtures.js';

/** A loopback port nothing listens on: every Bot API call fails as a network error. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  await new Promise((r) => server.close(r));
  if (typeof address !== 'object' || !address) throw new Error('no port');
  return address.port;
}

describe('telegram shutdown', () => {
  it('ends a call that auto-retry would retry without end once the bot is told to stop', async () => {
    const chats = createMemoryChatStores();
    const { bot } = createBot(
      {
        core: coreDepsFor(createMemoryStores()),
        chats: chats.chats,
        logins: chats.logins,
        oauth: createMemoryOAuthStore(),
        log: SILENT_LOGGER,
      },
      {
        token: '1:test',
        apiRoot: `http://127.0.0.1:${await closedPort()}`,
        botInfo: TEST_BOT_INFO,
        members: [],
        hosts: [],
        publicUrl: null,
        taskHaltUsd: 5,
      },
    );
    const abortCalls = abortableCalls(bot.api);
    const call = bot.api.sendMessage(1001, 'still there?').then(
      () => 'sent',
      () => 'ended',
    );
    // The first attempt fails at once; auto-retry then waits 3 s, 6 s, 12 s… for ever.
    await new Promise((r) => setTimeout(r, 200));
    abortCalls();
    const outcome = await Promise.race([
      call,
      new Promise((r) => setTimeout(() => r('still retrying'), 2_000).unref()),
    ]);
    expect(outcome).toBe('ended');
  });
});
