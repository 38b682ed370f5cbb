import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { emptyChat, type PendingQuestion } from '../../src/core/chat/chat-state.js';
import { createMemoryChatStores } from '../../src/core/fakes/memory-chat-stores.js';
import type { ChatStores } from '../../src/core/ports/chat-store.js';
import { createLibsqlChatStores } from '../../src/db/repositories/chat-stores.js';
import { createTempDb } from '../helpers/temp-db.js';

const IMPLEMENTATIONS: ReadonlyArray<
  readonly [string, () => Promise<{ stores: ChatStores; dispose(): void }>]
> = [
  ['memory', async () => ({ stores: createMemoryChatStores(), dispose: () => {} })],
  [
    'libsql file',
    async () => {
      const db = await createTempDb('auto');
      return { stores: createLibsqlChatStores(db.db), dispose: () => db.dispose() };
    },
  ],
];

const AT = '2026-03-01T10:00:00.000Z';
const update = (updateId: number, receivedAt = AT, chatId: number | null = 7) => ({
  updateId,
  chatId,
  payload: { update_id: updateId, message: { text: `m${updateId}` } },
  receivedAt,
});

describe.each(IMPLEMENTATIONS)('ChatStore and UpdateInbox contracts (%s)', (_name, make) => {
  let current: { stores: ChatStores; dispose(): void } | undefined;
  beforeEach(async () => {
    current = await make();
  });
  afterEach(() => current?.dispose());
  const s = () => current!.stores;

  it('accepts an update id once, however often it is delivered, even concurrently', async () => {
    const results = await Promise.all(
      Array.from({ length: 10 }, () => s().inbox.accept(update(42))),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await s().inbox.accept(update(42))).toBe(false);
    expect((await s().inbox.pending(10)).map((u) => u.updateId)).toEqual([42]);
  });

  it('hands back pending updates oldest id first with their payload, and forgets handled ones', async () => {
    for (const id of [900, 5, 77]) await s().inbox.accept(update(id));
    expect(await s().inbox.pending(2)).toEqual([update(5), update(77)]);
    await s().inbox.markHandled(5, 'done', AT);
    await s().inbox.markHandled(77, 'failed', AT);
    expect((await s().inbox.pending(10)).map((u) => u.updateId)).toEqual([900]);
    // Handled ones still dedupe until pruned; pending ones are never pruned.
    expect(await s().inbox.accept(update(5))).toBe(false);
    expect(await s().inbox.prune('2026-03-01T10:00:00.001Z')).toBe(2);
    expect(await s().inbox.accept(update(5))).toBe(true);
    expect((await s().inbox.pending(10)).map((u) => u.updateId)).toEqual([5, 900]);
  });

  it('stores chat state with its open question, and lists subscribed chats', async () => {
    expect(await s().chats.getChat(1)).toBeNull();
    const pending: PendingQuestion = {
      nonce: 'abc',
      field: 'host',
      draft: { kind: 'shell', argv: ['ls'] },
      missing: ['host'],
      choices: [{ label: 'build-vm', value: 'build-vm' }],
      consensus: false,
      askedBy: 'ops',
      askedAt: AT,
    };
    await s().chats.saveChat({ ...emptyChat(1, AT), lastHost: 'vm', pending });
    await s().chats.saveChat({ ...emptyChat(2, AT), subscribed: true });
    expect(await s().chats.getChat(1)).toEqual({ ...emptyChat(1, AT), lastHost: 'vm', pending });
    await s().chats.saveChat({ ...emptyChat(1, AT), subscribed: true, lastRepo: 'api' });
    expect(await s().chats.getChat(1)).toMatchObject({
      lastHost: null,
      lastRepo: 'api',
      pending: null,
    });
    expect([...(await s().chats.subscribedChats())].sort()).toEqual([1, 2]);
  });

  it('links messages to tasks both ways; relinking a message replaces its link', async () => {
    const link = {
      chatId: 1,
      messageId: 10,
      taskId: 't1',
      kind: 'progress' as const,
      createdAt: AT,
    };
    await s().chats.linkMessage(link);
    await s().chats.linkMessage({ ...link, chatId: 2, kind: 'approval' });
    await s().chats.linkMessage({ ...link, messageId: 11, taskId: 't2' });
    expect((await s().chats.messagesOf('t1')).map((l) => [l.chatId, l.kind])).toEqual([
      [1, 'progress'],
      [2, 'approval'],
    ]);
    expect(await s().chats.messageAt(1, 11)).toEqual({ ...link, messageId: 11, taskId: 't2' });
    await s().chats.linkMessage({ ...link, messageId: 11, taskId: 't3', kind: 'continue' });
    expect(await s().chats.messageAt(1, 11)).toMatchObject({ taskId: 't3', kind: 'continue' });
    expect(await s().chats.messageAt(3, 10)).toBeNull();
  });

  it('uses a login link once, before it expires, and only by its hash', async () => {
    const link = {
      tokenHash: 'h1',
      userName: 'ops',
      createdAt: AT,
      expiresAt: '2026-03-01T10:10:00.000Z',
    };
    await s().logins.create(link);
    await s().logins.create({ ...link, tokenHash: 'h2' });
    expect(await s().logins.consume('nope', AT)).toBeNull();
    const both = await Promise.all([s().logins.consume('h1', AT), s().logins.consume('h1', AT)]);
    expect(both.filter((u) => u !== null)).toEqual(['ops']);
    expect(await s().logins.consume('h2', '2026-03-01T10:10:00.000Z')).toBeNull();
  });
});
