import { describe, expect, it } from 'vitest';
import { answerCallback, parseCallback, taskCallback } from '../../src/bot/callback-data.js';
import { echoLine, formatDuration, lastLines } from '../../src/bot/views/describe-task.js';
import { REQUEST_IN_CARD_CHARS, taskCard } from '../../src/bot/views/task-card.js';
import { breakerAlert, breakerLine } from '../../src/bot/views/overview.js';
import { PRODUCTION_PHRASE } from '../../src/core/approval.js';
import { freshBreaker } from '../../src/core/breaker.js';
import { openStage } from '../../src/core/stage.js';
import { anApproval, aTask } from '../helpers/builders.js';

const ID = '01a20286-4597-76c3-aed0-aa8a3b49479c';
const NOW = new Date('2026-01-01T00:00:30.000Z');

const card = (
  over: Parameters<typeof aTask>[0],
  extra: Partial<Parameters<typeof taskCard>[0]> = {},
) =>
  taskCard({
    task: aTask(over),
    stage: null,
    approval: null,
    tail: null,
    now: NOW,
    nameOf: (id) => id,
    taskHaltUsd: 5,
    ...extra,
  });
const buttons = (c: ReturnType<typeof taskCard>) =>
  c.keyboard.flat().map((b) => ('callback_data' in b ? b.text : ''));

describe('callback data', () => {
  it('round-trips every task action within 64 bytes and refuses anything else', () => {
    for (const action of [
      'approve',
      'reject',
      'cancel',
      'output',
      'rerun',
      'continue',
      'edit',
    ] as const) {
      const data = taskCallback(action, ID);
      expect(Buffer.byteLength(data)).toBeLessThanOrEqual(64);
      expect(parseCallback(data)).toEqual({ action, taskId: ID });
    }
    expect(parseCallback(answerCallback('k3x9', 4))).toEqual({
      action: 'answer',
      nonce: 'k3x9',
      choice: 4,
    });
    for (const bad of [
      undefined,
      '',
      'ap',
      'ap:',
      'ap:xyz',
      `zz:${ID.replace(/-/g, '')}`,
      `ap:${ID}`,
      `ap:${ID.replace(/-/g, '')}:1`,
      'q:a:100',
      'q::1',
      'x'.repeat(65),
    ]) {
      expect(parseCallback(bad)).toBeNull();
    }
    expect(() => taskCallback('approve', 'not-a-uuid')).toThrow();
  });
});

describe('task card', () => {
  it('echoes what was understood on its first line', () => {
    expect(
      echoLine(
        aTask({
          id: ID,
          kind: 'agent',
          executor: 'codex',
          host: 'build-vm',
          repo: 'api',
          argv: null,
          prompt: 'fix the flaky\nlogin test',
        }),
      ),
    ).toBe('codex on build-vm · repo api · fix the flaky login test');
  });

  it('offers Approve and Reject for a tap gate, only Reject and the phrase for a typed one', () => {
    const tap = card(
      { id: ID, status: 'awaiting_approval', gate: 'tap', argv: ['make', 'deploy'] },
      { approval: anApproval({ id: 'a1', taskId: ID }) },
    );
    expect(buttons(tap)).toEqual(['Approve', 'Reject']);
    expect(tap.text.text).toContain('make deploy');
    const typed = card(
      { id: ID, status: 'awaiting_approval', gate: 'typed_phrase', risk: 'high' },
      {
        approval: anApproval({
          id: 'a2',
          taskId: ID,
          gate: 'typed_phrase',
          requiredPhrase: PRODUCTION_PHRASE,
        }),
      },
    );
    expect(buttons(typed)).toEqual(['Reject']);
    expect(typed.text.text).toContain(`reply to this message with ${PRODUCTION_PHRASE}`);
  });

  it('offers Run, Edit and Cancel for a guess (the confirm gate), never Approve', () => {
    const guess = card(
      { id: ID, status: 'awaiting_approval', gate: 'confirm', kind: 'agent', prompt: 'tidy up' },
      { approval: anApproval({ id: 'a3', taskId: ID, gate: 'confirm' }) },
    );
    expect(buttons(guess)).toEqual(['Run', 'Edit', 'Cancel']);
    expect(guess.text.text).toContain('waiting for Run');
    expect(guess.keyboard.flat().map((b) => ('callback_data' in b ? b.callback_data : ''))).toEqual(
      ['approve', 'edit', 'cancel'].map((a) => taskCallback(a as 'approve', ID)),
    );
  });

  it('never shows a cut request next to live buttons: a long one is pointed to the document', () => {
    const long = 'x'.repeat(REQUEST_IN_CARD_CHARS + 1);
    const c = card(
      {
        id: ID,
        status: 'awaiting_approval',
        kind: 'agent',
        argv: null,
        executor: 'codex',
        prompt: long,
      },
      { approval: anApproval({ id: 'a1', taskId: ID }) },
    );
    expect(c.text.text).not.toContain(long.slice(0, 200));
    expect(c.text.text).toContain(`${long.length} characters`);
    expect(c.text.text.length).toBeLessThan(4096);
  });

  it('shows live output and Cancel while running, the result and its buttons at the end', () => {
    const stage = openStage({
      id: 's1',
      task: aTask({ id: ID, attempts: 1, fencingToken: 1 }),
      runnerId: 'r',
      startedAt: '2026-01-01T00:00:00.000Z',
    });
    const running = card(
      { id: ID, status: 'running' },
      { stage, tail: Array.from({ length: 40 }, (_, i) => `line ${i}`).join('\n') },
    );
    expect(buttons(running)).toEqual(['Cancel']);
    expect(running.text.text).toContain('line 39');
    expect(running.text.text).not.toContain('line 20\n');
    expect(running.text.text).toContain('30.0 s');
    const finished = {
      id: ID,
      status: 'succeeded',
      kind: 'agent',
      executor: 'codex',
      argv: null,
      prompt: 'p',
      costUsd: 0.0312,
    } as const;
    const lastStage = {
      ...stage,
      outcome: 'succeeded',
      exitCode: 0,
      latencyMs: 1500,
      stdoutTail: 'all good\n',
      sessionId: 'sess-1',
    } as const;
    const done = card(finished, { stage: lastStage });
    expect(buttons(done)).toEqual(['Full output', 'Re-run', 'Continue']);
    expect(done.text.text).toMatch(
      /✅[^\n]*\n#3b49479c · succeeded · 1\.5 s\n\$0\.03 · exit 0\ncodex @ local → ✓ 1\.5 s\nall good/,
    );
    // The diagram itself is drawn on the task's page in the web app, linked when it is public.
    const links = (publicUrl: string | null) =>
      card(finished, { stage: lastStage, publicUrl })
        .keyboard.flat()
        .flatMap((b) => ('url' in b && b.url ? [b.url] : []));
    expect(links('https://sb.example.com/')).toEqual([`https://sb.example.com/#/task/${ID}`]);
    // The Bot API refuses http and loopback links, and would drop the whole card with them.
    expect(links('http://127.0.0.1:8080')).toEqual([]);
    expect(links(null)).toEqual([]);
  });

  it('formats durations and tails', () => {
    expect([850, 12_345, 245_000, 7_380_000].map(formatDuration)).toEqual([
      '850 ms',
      '12.3 s',
      '4 min 05 s',
      '2 h 03 min',
    ]);
    expect(lastLines('a\nb\nc\n\n', 2, 100)).toBe('b\nc');
    expect(lastLines('abcdefghij', 5, 4)).toBe('…hij');
  });
});

describe('breaker lines', () => {
  const day = freshBreaker('day', '2026-03-15', 20, '2026-03-15T00:00:00.000Z');
  it('say blocked when the day is open, and not when an owner overrode it', () => {
    expect(breakerLine({ ...day, spentUsd: 20, state: 'open' })).toMatch(
      /Today \(2026-03-15 UTC\): \$20\.00 of \$20\.00 · OPEN — new executions blocked$/,
    );
    const overridden = breakerLine({ ...day, spentUsd: 21, state: 'open', overriddenBy: 'ops' });
    expect(overridden).not.toMatch(/blocked/);
    expect(overridden).toMatch(/over the limit, overridden by ops/);
  });
});

describe('breaker alerts', () => {
  it('a per-task halt says that task stopped, not that new executions are blocked', () => {
    const task = freshBreaker('task', 'aaaaaaaa-0000-4000-8000-000000000000', 5, 'x');
    const text = breakerAlert({ ...task, spentUsd: 5.2, state: 'open' }).text;
    expect(text).not.toMatch(/new executions/);
    expect(text).toMatch(/^🛑 Per-task spend limit reached: this task is stopped/);
    expect(text).toMatch(/\$5\.20 of \$5\.00 · limit reached, task stopped$/);
  });
});
