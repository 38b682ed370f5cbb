import { describe, expect, it } from 'vitest';
import { ladderCallback, parseCallback, parseLadderCallback } from '../../src/bot/callback-data.js';
import { consensusMessage } from '../../src/bot/views/consensus-message.js';
import { ladderMessage } from '../../src/bot/views/ladder-message.js';
import { taskCard } from '../../src/bot/views/task-card.js';
import { SKIP_REASONS } from '../../src/core/escalation.js';
import type { ConsensusReport } from '../../src/core/use-cases/consensus-report.js';
import type { EscalationHistory } from '../../src/core/use-cases/escalation-history.js';
import { aTask } from '../helpers/builders.js';

const ID = '01a20286-4597-76c3-aed0-aa8a3b49479c';
const HEX = ID.replace(/-/g, '');

describe('ladder callback data', () => {
  it('names a task and an executor within 64 bytes, and parses back only what it made', () => {
    const data = ladderCallback(ID, 'claude-opus')!;
    expect(data).toBe(`lr:${HEX}:claude-opus`);
    expect(parseLadderCallback(data)).toEqual({
      kind: 'rerun',
      taskId: ID,
      executor: 'claude-opus',
    });
    expect(parseLadderCallback(ladderCallback(ID, null)!)).toEqual({ kind: 'drop', taskId: ID });
    // A name that would not fit gets no button rather than a cut one.
    expect(ladderCallback(ID, 'x'.repeat(28))).toHaveLength(64);
    expect(ladderCallback(ID, 'x'.repeat(29))).toBeNull();
    for (const bad of [
      undefined,
      `lr:${HEX}`,
      `lr:${HEX}:`,
      `lr:${HEX}:-rf`,
      `lr:${HEX}:a b`,
      `lr:${HEX}:a:b`,
      `ld:${HEX}:x`,
      `lr:${ID}:claude-opus`,
      `lr:${HEX}:${'x'.repeat(40)}`,
    ])
      expect(parseLadderCallback(bad), String(bad)).toBeNull();
    // The task buttons' parser does not claim them.
    expect(parseCallback(data)).toBeNull();
  });
});

const history = (over: Partial<EscalationHistory> = {}): EscalationHistory => ({
  task: aTask({ id: ID, kind: 'agent', status: 'failed', executor: 'consensus', prompt: 'fix it' }),
  tried: [
    {
      executor: 'claude-haiku',
      sideOf: null,
      taskId: ID,
      outcome: 'failed',
      errorClass: 'output_parse_error',
      costUsd: 0.01,
      latencyMs: 1_200,
      startedAt: '2026-01-01T00:00:00.000Z',
    },
    {
      executor: 'claude-max',
      sideOf: 'consensus',
      taskId: ID,
      outcome: 'timed_out',
      errorClass: 'timeout',
      costUsd: 0.2,
      latencyMs: 60_000,
      startedAt: '2026-01-01T00:00:02.000Z',
    },
  ],
  skipped: [{ rung: 'gemini-flash', why: SKIP_REASONS.unconfigured }],
  totalUsd: 0.21,
  executors: ['claude-haiku', 'claude-max', 'x'.repeat(40)],
  ended: true,
  decision: null,
  ...over,
});

describe('the ladder message', () => {
  it('lists each rung with outcome, error class, cost and time, the skipped ones with why, and the choices', () => {
    const m = ladderMessage(history());
    expect(m.text.text.split('\n')).toEqual([
      '🧗 #3b49479c climbed the whole ladder and still failed',
      'consensus on local · fix it',
      'Tried:',
      '1. claude-haiku — failed (output parse error) · $0.01 · 1.2 s',
      '2. consensus side claude-max — timed out (timeout) · $0.20 · 1 min 00 s',
      'Skipped: gemini-flash (not configured)',
      'Total $0.21.',
      'Your call: re-run it on one of these executors, or drop it.',
    ]);
    // An executor whose name does not fit in callback data gets no button.
    expect(m.keyboard.flat().map((b) => b.text)).toEqual([
      'Re-run on claude-haiku',
      'Re-run on claude-max',
      'Drop it',
    ]);
  });

  it('shows the decision and no buttons once someone decided', () => {
    const m = ladderMessage(history({ decision: { what: 'dropped', by: 'ops' } }));
    expect(m.text.text).toContain('Decided: dropped (by ops).');
    expect(m.keyboard).toEqual([]);
  });
});

describe('cards and reports of the new paths', () => {
  it('shows why the chooser picked the executor on the card', () => {
    const c = taskCard({
      task: aTask({ id: ID, kind: 'agent', executor: 'codex', prompt: 'x' }),
      stage: null,
      approval: null,
      tail: null,
      now: new Date('2026-01-01T00:00:00.000Z'),
      nameOf: (x) => x,
      taskHaltUsd: 5,
      executorReason: 'chooser: codex: cheapest of 2 qualified.',
    });
    expect(c.text.text.split('\n')[2]).toBe('chooser: codex: cheapest of 2 qualified.');
  });

  it('adds where the changed files differ to a consensus report', () => {
    const run = (executor: string) =>
      aTask({ id: ID, kind: 'agent', status: 'succeeded', executor, prompt: 'x' });
    const report = (changes: { diff: string; truncated: boolean } | null): ConsensusReport => ({
      workflowId: 'w',
      runs: [run('a'), run('b')],
      comparison: {
        compared: [],
        agreement: 1,
        diff: '',
        diffTruncated: false,
        mermaid: null,
        changes,
        note: '',
      },
    });
    expect(consensusMessage(report(null)).text.text).not.toContain('changed files');
    expect(consensusMessage(report({ diff: '', truncated: false })).text.text).toContain(
      'They changed the same files the same way.',
    );
    const differ = consensusMessage(report({ diff: '-+by a\n++by b\n', truncated: false }));
    expect(differ.text.text).toContain('Their changed files differ:\n-+by a\n++by b');
    const long = consensusMessage(report({ diff: `${'+x\n'.repeat(2_000)}`, truncated: false }));
    expect(long.text.text).toContain('see the attached diff');
    expect(long.longDiff).toContain('+x\n+x');
  });
});
