import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ladderCallback } from '../../src/bot/callback-data.js';
import { LADDER_CLAUDE, LADDER_EXECUTORS } from '../helpers/ladder-claude.js';
import {
  APPROVER,
  buttonsOf,
  dataOf,
  labelsOf,
  OWNER,
  refOf,
  startTelegramApp,
  VIEWER,
  type TelegramApp,
} from '../helpers/telegram-app.js';

interface Detail {
  id: string;
  status: string;
  executor: string;
  requester: string;
  audit: { action: string; actor: string; detail: Record<string, unknown> }[];
}

describe('the end of the escalation ladder: the operators decide in chat', () => {
  let t: TelegramApp;
  beforeAll(async () => {
    t = await startTelegramApp({
      claude: LADDER_CLAUDE,
      executors: LADDER_EXECUTORS.join('\n'),
      yaml: ['runner: { concurrency: 2 }'],
    });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  it('lists every rung with its outcome and cost, re-runs on the executor tapped, once, and refuses forged taps', async () => {
    const owners = t.chat(OWNER);
    const approvers = t.chat(APPROVER);
    const since = { owner: owners.lastId(), approver: approvers.lastId() };
    const r = await t.api.post('/api/tasks', {
      kind: 'agent',
      executor: 'claude-haiku',
      prompt: 'doomed from the start',
      host: 'local',
      escalate: true,
      timeout_s: 5,
    });
    expect(r.status).toBe(201);
    const id = r.body.id;
    const done = await t.api.settled<Detail>(id, 45_000);
    expect(done.status).toBe('failed');

    const message = await owners.textAfter(since.owner, 'climbed the whole ladder', 20_000);
    expect(message.text.split('\n')[0]).toBe(
      `🧗 #${refOf(id)} climbed the whole ladder and still failed`,
    );
    const tried = message.text
      .split('\n')
      .filter((l) => /^\d+\. /.test(l))
      .map((l) => l.replace(/ · [\d.]+ m?s$/, ''));
    expect(tried.slice(0, 3)).toEqual([
      '1. claude-haiku — failed · $0.01',
      '2. claude-sonnet — failed · $0.05',
      '3. claude-opus — failed · $0.30',
    ]);
    // The consensus sides ran side by side: either may be listed first.
    expect(
      tried
        .slice(3)
        .map((l) => l.slice(3))
        .sort(),
    ).toEqual([
      'consensus side claude-max — failed · $0.02',
      'consensus side claude-ultra — failed · $0.02',
    ]);
    expect(message.text).toContain('Total $0.40.');
    expect(labelsOf(message)).toEqual([
      'Re-run on claude-haiku',
      'Re-run on claude-sonnet',
      'Re-run on claude-opus',
      'Re-run on claude-max',
      'Re-run on claude-ultra',
      'Drop it',
    ]);
    // Every approver gets their own copy.
    const copy = await approvers.textAfter(since.approver, 'climbed the whole ladder', 20_000);

    const taskCount = async () => (await t.tasks()).length;
    const before = await taskCount();
    // Forged: an executor that is not configured, a task whose ladder did not end, a viewer.
    expect(await t.tap(OWNER, message, ladderCallback(id, 'claude-nope')!)).toMatch(
      /executor: unknown executor/,
    );
    const side = (await t.tasks()).find((x) => x.id !== id && x.kind === 'agent')!;
    expect(await t.tap(OWNER, message, ladderCallback(side.id, 'claude-opus')!)).toMatch(
      /its escalation ladder has not ended/,
    );
    expect(await t.tap(VIEWER, message, dataOf(message, 'Re-run on claude-opus'))).toMatch(
      /viewer/,
    );
    expect(await t.tap(OWNER, message, 'lr:not-a-task:claude-opus')).toBe(
      'This button is no longer active.',
    );
    expect(await taskCount()).toBe(before);

    const toast = await t.tap(OWNER, message, dataOf(message, 'Re-run on claude-opus'));
    expect(toast).toMatch(/^Running it again on claude-opus as #[0-9a-f]{8}\.$/);
    const rerun = (await t.tasks())[0]!;
    expect(rerun).toMatchObject({ kind: 'agent', prompt: 'doomed from the start' });
    expect((await t.api.get<Detail>(rerun.id)).executor).toBe('claude-opus');
    // The message now says what was decided, and has no buttons left.
    const decided = await owners.until(message, 'Decided: re-run on claude-opus');
    expect(decided.text).toContain(`as #${refOf(rerun.id)} (by ops).`);
    expect(buttonsOf(decided)).toEqual([]);

    // Another operator's copy: a second decision is refused, and the copy catches up.
    expect(await t.tap(APPROVER, copy, dataOf(copy, 'Drop it'))).toBe(
      `Already decided by ops: re-run on claude-opus as #${refOf(rerun.id)}.`,
    );
    await approvers.until(copy, 'Decided: re-run on claude-opus');
    const audit = (await t.api.get<Detail>(id)).audit.filter(
      (a) => a.action === 'task.escalation_decided',
    );
    expect(audit).toEqual([
      expect.objectContaining({
        actor: 'ops',
        detail: { decision: expect.stringContaining('re-run on claude-opus') },
      }),
    ]);
  });
});
