import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeLabel, toMermaid } from '../../src/core/compression/mermaid.js';
import { normalizeOutput } from '../../src/core/compression/normalize.js';
import { renderAt, summaryLine, toMermaidText } from '../../src/core/compression/render.js';
import { clip, cleanText } from '../../src/core/compression/text.js';
import type { Stage } from '../../src/core/stage.js';
import { aTask } from '../helpers/builders.js';

const ID = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';
const stage = (o: Partial<Stage>): Stage => ({
  id: 's1',
  taskId: ID,
  attempt: 1,
  fencingToken: 1,
  runnerId: 'r',
  changesDiff: null,
  executor: null,
  model: null,
  host: 'build-vm',
  outcome: 'succeeded',
  exitCode: 0,
  signal: null,
  errorClass: null,
  latencyMs: 1_200,
  tokensIn: 0,
  tokensOut: 0,
  costUsd: 0,
  stdoutTail: '',
  stderrTail: '',
  summary: null,
  outputPath: null,
  sessionId: null,
  startedAt: '2026-01-01T00:00:00.000Z',
  finishedAt: '2026-01-01T00:00:01.200Z',
  ...o,
});
const shellTask = aTask({
  id: ID,
  status: 'failed',
  argv: ['npm', 'test'],
  host: 'build-vm',
  attempts: 1,
});

describe('text cleaning', () => {
  it('drops ANSI colours and OSC links, turns CRLF and CR into lines', () => {
    expect(
      cleanText(
        '\u001b[31mred\u001b[39m\r\nnext\rover \u001b]8;;http://x\u0007link\u001b]8;;\u0007',
      ),
    ).toBe('red\nnext\nover link');
  });
  it('clips by code point, never splitting a surrogate pair', () => {
    expect(clip('😀😀😀😀', 3)).toBe('😀😀…');
    expect(clip('a\n\tb  c', 10)).toBe('a b c');
  });
});

describe('escapeLabel', () => {
  it('escapes what Mermaid would read as syntax, entities, HTML or comments', () => {
    expect(escapeLabel('a "b" #c; <d> & `e` 50%')).toBe(
      'a #quot;b#quot; #35;c; #lt;d#gt; #amp; #96;e#96; 50#37;',
    );
    expect(escapeLabel('line\nbreak\u202e')).toBe('line break');
    expect(escapeLabel('  ')).toBe('-');
  });
});

describe('normalizeOutput', () => {
  it('reads vitest counts through ANSI codes and CRLF', () => {
    const out =
      ' \u001b[2m     Tests\u001b[22m  \u001b[31m1 failed\u001b[39m | \u001b[32m12 passed\u001b[39m (13)\r\n';
    const n = normalizeOutput(shellTask, [
      stage({ outcome: 'failed', exitCode: 1, stdoutTail: out }),
    ]);
    expect(n.facts.tests).toEqual({ passed: 12, failed: 1, skipped: 0 });
    expect(n.complex).toBe(true);
    expect(toMermaidText(n)).toBe('npm test @ build-vm → ✗ exit 1 1.2 s → 12 passed, 1 failed');
  });

  it('a plain success is simple: one attempt, no facts', () => {
    const task = aTask({ id: ID, status: 'succeeded', argv: ['true'], attempts: 1, host: 'local' });
    const n = normalizeOutput(task, [stage({})]);
    expect(n.complex).toBe(false);
    expect(n.result).toBeNull();
    expect(toMermaid(n)).toBe(
      'flowchart LR\n  T["true @ local"]\n  A1["✓ succeeded · 1.2 s"]\n  T --> A1',
    );
  });

  it('a task that never ran still gets a diagram', () => {
    const task = aTask({ id: ID, status: 'rejected' });
    const n = normalizeOutput(task, []);
    expect(toMermaid(n)).toContain('S["rejected"]');
    expect(summaryLine(n)).toBe('· git status @ local rejected');
  });

  it('reads only a bounded head and tail of huge output', () => {
    const big = `${'x'.repeat(5_000_000)}\n Tests  3 passed (3)\n`;
    const started = performance.now();
    const n = normalizeOutput(shellTask, [stage({ stdoutTail: big })]);
    expect(performance.now() - started).toBeLessThan(500);
    expect(n.facts.tests).toEqual({ passed: 3, failed: 0, skipped: 0 });
  });

  it('never throws, whatever the output and stages hold', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            out: fc.oneof(fc.string({ unit: 'binary', maxLength: 2_000 }), fc.json()),
            err: fc.string({ maxLength: 500 }),
            exit: fc.option(fc.integer({ min: -1, max: 255 })),
          }),
          { maxLength: 6 },
        ),
        fc.constantFrom('agent' as const, 'shell' as const),
        (runs, kind) => {
          const task = aTask({
            id: ID,
            kind,
            status: 'failed',
            executor: kind === 'agent' ? 'codex' : null,
            prompt: 'p',
          });
          const stages = runs.map((r, i) =>
            stage({
              attempt: i + 1,
              outcome: 'failed',
              exitCode: r.exit,
              stdoutTail: r.out,
              stderrTail: r.err,
            }),
          );
          const n = normalizeOutput(task, stages);
          for (const level of ['summary', 'mermaid', 'standard', 'full'] as const)
            expect(typeof renderAt(level, n, { stdout: 'o', stderr: 'e' })).toBe('string');
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('renderAt', () => {
  const n = normalizeOutput(shellTask, [
    stage({ outcome: 'failed', exitCode: 1, stdoutTail: 'Error: boom\n Tests  1 failed (1)\n' }),
  ]);
  it('grows from one line to all of the output', () => {
    expect(renderAt('summary', n)).not.toContain('\n');
    expect(renderAt('mermaid', n)).toMatch(/^flowchart LR\n/);
    expect(renderAt('standard', n)).toContain('```mermaid\nflowchart LR');
    expect(renderAt('standard', n)).toContain('Error: boom');
    expect(renderAt('full', n, { stdout: 'ALL OF IT', stderr: '' })).toContain(
      'stdout:\nALL OF IT',
    );
  });
});
