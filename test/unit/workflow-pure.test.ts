import { describe, expect, it } from 'vitest';
import { chooseExecutor, DEFAULT_CHOOSER } from '../../src/core/chooser.js';
import { agreementScore, DIFF_LIMITS, unifiedDiff } from '../../src/core/consensus.js';
import type { ModelStat } from '../../src/core/model-stats.js';
import { capText } from '../../src/core/workflow.js';

const stat = (
  executor: string,
  runs: number,
  successes: number,
  costPerRun: number,
  taskKind = 'agent',
): ModelStat => ({
  executor,
  taskKind,
  runs,
  successes,
  failures: runs - successes,
  totalCostUsd: costPerRun * runs,
  totalLatencyMs: 1000 * runs,
  totalTokens: 10 * runs,
  updatedAt: '2026-01-01T00:00:00.000Z',
});
const opts = { taskKind: 'agent', ...DEFAULT_CHOOSER };

describe('chooseExecutor', () => {
  it('recommends the cheapest executor that meets both thresholds', () => {
    const c = chooseExecutor(
      [
        stat('claude-opus', 10, 10, 2),
        stat('gemini-flash', 10, 9, 0.05),
        stat('deepseek', 10, 5, 0.01),
      ],
      opts,
    );
    expect(c).toMatchObject({ executor: 'gemini-flash', qualified: true });
    expect(c.reason).toContain('gemini-flash');
    expect(c.candidates.map((s) => s.executor)).toEqual([
      'gemini-flash',
      'claude-opus',
      'deepseek',
    ]);
  });

  it('counts a success rate of exactly the threshold, and not one run below it', () => {
    expect(chooseExecutor([stat('a', 5, 4, 0.1)], opts)).toMatchObject({
      executor: 'a',
      qualified: true,
    });
    expect(
      chooseExecutor([stat('a', 10, 7, 0.1)], { ...opts, minSuccessRate: 0.7 }).qualified,
    ).toBe(true);
    expect(chooseExecutor([stat('a', 5, 3, 0.1)], opts).qualified).toBe(false);
    expect(chooseExecutor([stat('a', 100, 79, 0.1)], opts).qualified).toBe(false);
  });

  it('counts exactly min_runs samples, and not one fewer', () => {
    expect(chooseExecutor([stat('a', 5, 5, 0.1)], opts).qualified).toBe(true);
    expect(chooseExecutor([stat('a', 4, 4, 0.1)], opts).qualified).toBe(false);
    expect(chooseExecutor([stat('a', 1, 1, 0.1)], { ...opts, minRuns: 1 }).qualified).toBe(true);
  });

  it('breaks cost ties by success rate, then runs, then name', () => {
    expect(chooseExecutor([stat('b', 10, 9, 0.1), stat('a', 10, 8, 0.1)], opts).executor).toBe('b');
    expect(chooseExecutor([stat('b', 10, 10, 0.1), stat('a', 5, 5, 0.1)], opts).executor).toBe('b');
    expect(chooseExecutor([stat('b', 10, 10, 0.1), stat('a', 10, 10, 0.1)], opts).executor).toBe(
      'a',
    );
    expect(chooseExecutor([stat('a', 10, 10, 0.1), stat('b', 10, 10, 0.1)], opts).executor).toBe(
      'a',
    );
  });

  it('falls back to the executor with the most runs and says why', () => {
    const c = chooseExecutor([stat('a', 3, 3, 0.01), stat('b', 20, 10, 0.5)], opts);
    expect(c).toMatchObject({ executor: 'b', qualified: false });
    expect(c.reason).toMatch(/None has ≥ 80% success over ≥ 5 runs; b has the most runs \(20/);
  });

  it('answers null when nothing ran this kind of task, ignoring other kinds', () => {
    const c = chooseExecutor([stat('a', 50, 50, 0.01, 'shell')], opts);
    expect(c).toEqual({
      executor: null,
      qualified: false,
      reason: 'No runs of task kind "agent" are recorded yet.',
      candidates: [],
    });
  });
});

describe('agreementScore (line-set Jaccard)', () => {
  it('is 1 for the same lines in any order and for two empty outputs', () => {
    expect(agreementScore('a\nb\n', 'b\na')).toBe(1);
    expect(agreementScore('', '\n\n')).toBe(1);
    expect(agreementScore('a  \n', 'a')).toBe(1);
  });
  it('is |A∩B| / |A∪B|', () => {
    expect(agreementScore('a\nb\nc', 'b\nc\nd')).toBe(0.5);
    expect(agreementScore('a', 'b')).toBe(0);
    expect(agreementScore('a\nb', '')).toBe(0);
    expect(agreementScore('a\na\nb', 'a\nc')).toBeCloseTo(1 / 3);
  });
});

describe('unifiedDiff', () => {
  it('matches diff -u: hunks with three lines of context, joined when they touch', () => {
    const a = 'a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\n';
    const b = 'a\nb\nc\nD\ne\nf\ng\nh\ni\nj\nk\nl\n';
    expect(unifiedDiff(a, b)).toEqual({
      text: [
        '--- a',
        '+++ b',
        '@@ -1,7 +1,7 @@',
        ' a',
        ' b',
        ' c',
        '-d',
        '+D',
        ' e',
        ' f',
        ' g',
        '@@ -9,3 +9,4 @@',
        ' i',
        ' j',
        ' k',
        '+l',
        '',
      ].join('\n'),
      truncated: false,
    });
    expect(unifiedDiff('x\ny\n', 'x\nz\ny\n').text).toBe(
      '--- a\n+++ b\n@@ -1,2 +1,3 @@\n x\n+z\n y\n',
    );
  });

  it('is empty for equal texts and shows a whole side against nothing', () => {
    expect(unifiedDiff('same\n', 'same')).toEqual({ text: '', truncated: false });
    expect(unifiedDiff('', 'n\n', { a: 'first', b: 'second' }).text).toBe(
      '--- first\n+++ second\n@@ -0,0 +1 @@\n+n\n',
    );
  });

  it('caps its input lines and its size, and says so', () => {
    const many = (p: string) =>
      Array.from({ length: DIFF_LIMITS.lines + 10 }, (_, i) => `${p}${i}`).join('\n');
    const d = unifiedDiff(many('a'), many('b'));
    expect(d.truncated).toBe(true);
    expect(d.text.length).toBeLessThanOrEqual(DIFF_LIMITS.chars);
    expect(d.text.endsWith('\n')).toBe(true);
    expect(
      unifiedDiff('a\n'.repeat(DIFF_LIMITS.lines + 1), 'a\n'.repeat(DIFF_LIMITS.lines + 1))
        .truncated,
    ).toBe(true);
  });
});

describe('capText', () => {
  it('keeps short text and cuts long text to the cap with a marker', () => {
    expect(capText('abc', 3)).toEqual({ text: 'abc', truncated: false });
    const c = capText('x'.repeat(50_000), 20_000);
    expect(c.truncated).toBe(true);
    expect(c.text.length).toBe(20_000);
    expect(c.text).toMatch(/\[\d+ more characters dropped\]$/);
  });
});
