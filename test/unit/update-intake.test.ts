import type { Update } from 'grammy/types';
import { describe, expect, it } from 'vitest';
import { createUpdateIntake } from '../../src/bot/intake.js';
import { createMemoryChatStores } from '../../src/core/fakes/memory-chat-stores.js';
import { SILENT_LOGGER } from '../../src/core/ports/logger.js';

const clock = { now: () => new Date('2026-01-01T00:00:00.000Z') };
const msg = (id: number, chat: number): Update =>
  ({
    update_id: id,
    message: { message_id: id, date: 0, chat: { id: chat, type: 'private' }, text: `m${id}` },
  }) as Update;
const tap = (id: number, chat: number): Update =>
  ({
    update_id: id,
    callback_query: {
      id: `c${id}`,
      chat_instance: 'i',
      from: { id: chat },
      data: 'x',
      message: { message_id: 1, date: 0, chat: { id: chat, type: 'private' } },
    },
  }) as unknown as Update;

/** A handler that holds each update until released, recording start and end order. */
function gatedHandler() {
  const log: string[] = [];
  const gates = new Map<number, () => void>();
  return {
    log,
    release: (id: number) => gates.get(id)?.(),
    handle: (u: Update) =>
      new Promise<void>((resolve) => {
        log.push(`start ${u.update_id}`);
        gates.set(u.update_id, () => {
          log.push(`end ${u.update_id}`);
          resolve();
        });
      }),
  };
}

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('update intake', () => {
  it('stores before handling, handles a redelivered or concurrent duplicate once', async () => {
    const { inbox } = createMemoryChatStores();
    const handled: number[] = [];
    const intake = createUpdateIntake({
      inbox,
      clock,
      log: SILENT_LOGGER,
      handle: async (u) => void handled.push(u.update_id),
    });
    const results = await Promise.all(Array.from({ length: 10 }, () => intake.accept(msg(7, 1))));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await intake.accept(msg(7, 1))).toBe(false);
    await intake.idle();
    expect(handled).toEqual([7]);
    expect(await inbox.pending(10)).toEqual([]);
  });

  it('keeps each chat in order, runs chats side by side, and never queues a tap behind a message', async () => {
    const { inbox } = createMemoryChatStores();
    const h = gatedHandler();
    const intake = createUpdateIntake({ inbox, clock, log: SILENT_LOGGER, handle: h.handle });
    await intake.accept(msg(1, 100));
    await intake.accept(msg(2, 100));
    await intake.accept(msg(3, 200));
    await intake.accept(tap(4, 100));
    await tick();
    expect(h.log).toEqual(['start 1', 'start 3', 'start 4']);
    h.release(4);
    h.release(1);
    await tick();
    expect(h.log).toEqual(['start 1', 'start 3', 'start 4', 'end 4', 'end 1', 'start 2']);
    h.release(2);
    h.release(3);
    await intake.idle();
  });

  it('marks a failing update failed (not pending) and goes on with the next', async () => {
    const { inbox } = createMemoryChatStores();
    const handled: number[] = [];
    const intake = createUpdateIntake({
      inbox,
      clock,
      log: SILENT_LOGGER,
      handle: async (u) => {
        if (u.update_id === 1) throw new Error('boom');
        handled.push(u.update_id);
      },
    });
    await intake.accept(msg(1, 5));
    await intake.accept(msg(2, 5));
    await intake.idle();
    expect(handled).toEqual([2]);
    expect(await inbox.pending(10)).toEqual([]);
    expect(await inbox.accept({ updateId: 1, chatId: 5, payload: {}, receivedAt: '' })).toBe(false);
  });

  it('after a restart, handles what was stored but not handled, in order, exactly once', async () => {
    const { inbox } = createMemoryChatStores();
    for (const id of [12, 10, 11])
      await inbox.accept({ updateId: id, chatId: 1, payload: msg(id, 1), receivedAt: '' });
    await inbox.markHandled(11, 'done', '');
    const handled: number[] = [];
    const intake = createUpdateIntake({
      inbox,
      clock,
      log: SILENT_LOGGER,
      handle: async (u) => void handled.push(u.update_id),
    });
    expect(await intake.resume()).toBe(2);
    expect(handled).toEqual([10, 12]);
    expect(await intake.resume()).toBe(0);
    await intake.stop();
    await expect(intake.accept(msg(13, 1))).rejects.toThrow(/stopped/);
  });
});
