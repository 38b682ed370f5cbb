import fc from 'fast-check';
import { countTokens } from 'gpt-tokenizer';
import { countTokens as countCl100k } from 'gpt-tokenizer/encoding/cl100k_base';
import { beforeAll, describe, expect, it } from 'vitest';
import { MERMAID_TOKEN_BUDGET, toMermaid } from '../../src/core/compression/mermaid.js';
import { normalizeOutput, type NormalizedOutput } from '../../src/core/compression/normalize.js';
import { toMermaidText } from '../../src/core/compression/render.js';
import { estimateTokens } from '../../src/core/compression/tokens.js';
import { caseToTask, loadOutputCorpus } from '../helpers/output-corpus.js';
import { loadMermaid, mermaidError } from '../helpers/mermaid-parser.js';

const corpus = loadOutputCorpus();
const built = corpus.map((c) => {
  const { task, stages } = caseToTask(c);
  const n = normalizeOutput(task, stages);
  return { c, n, diagram: toMermaid(n) };
});
const tokens = (text: string) => Math.max(countTokens(text), countCl100k(text));

beforeAll(async () => {
  await loadMermaid();
}, 60_000);

describe('the compression corpus', () => {
  it('has at least 50 real-shaped outputs from every source, simple and complex', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(50);
    for (const cat of ['claude', 'codex', 'gemini', 'shell'] as const)
      expect(corpus.filter((c) => c.category === cat).length).toBeGreaterThanOrEqual(5);
    expect(built.filter((b) => b.n.complex).length).toBeGreaterThanOrEqual(15);
    expect(built.filter((b) => !b.n.complex).length).toBeGreaterThanOrEqual(15);
    expect(corpus.some((c) => c.attempts.some((a) => a.stdout.length >= 1_000_000))).toBe(true);
  });

  it.each(built.map((b) => [b.c.name, b] as const))(
    '%s: the diagram is within budget by the real tokenizer, and parses',
    async (_name, { n, diagram }) => {
      const budget = n.complex ? MERMAID_TOKEN_BUDGET.complex : MERMAID_TOKEN_BUDGET.simple;
      expect(tokens(diagram)).toBeLessThanOrEqual(budget);
      // The estimate core budgets with never undercounts the real tokenizers.
      expect(estimateTokens(diagram)).toBeGreaterThanOrEqual(tokens(diagram));
      expect(await mermaidError(diagram)).toBeNull();
      const text = toMermaidText(n);
      expect(text.split('\n').length).toBeLessThanOrEqual(2);
      expect(text.length).toBeLessThanOrEqual(330);
    },
  );

  it('reads the facts a person would look for', () => {
    const by = (name: string) => built.find((b) => b.c.name === name)!.n;
    expect(by('vitest-fail').facts.tests).toEqual({ passed: 33, failed: 1, skipped: 0 });
    expect(by('vitest-fail-crlf').facts.tests).toEqual({ passed: 33, failed: 1, skipped: 0 });
    expect(by('jest-fail').facts.tests).toEqual({ passed: 16, failed: 1, skipped: 0 });
    expect(by('pytest-fail').facts.tests).toEqual({ passed: 63, failed: 1, skipped: 1 });
    expect(by('mocha-mixed').facts.tests).toEqual({ passed: 12, failed: 1, skipped: 2 });
    expect(by('cargo-test-fail').facts.tests).toEqual({ passed: 7, failed: 1, skipped: 0 });
    expect(by('go-test-fail-verbose').facts.tests).toEqual({ passed: 2, failed: 1, skipped: 1 });
    expect(by('log-1mb-tests-at-end').facts.tests).toEqual({ passed: 311, failed: 2, skipped: 4 });
    expect(by('codex-fix-with-tests').facts.tests).toEqual({ passed: 142, failed: 0, skipped: 0 });
    expect(by('tsc-errors').facts.errorCount).toBe(3);
    expect(by('git-diff-stat').facts.changes).toMatchObject({
      files: 3,
      insertions: 52,
      deletions: 9,
    });
    expect(by('git-diff-multi').facts.changes).toMatchObject({
      files: 4,
      insertions: 6,
      deletions: 3,
    });
    expect(by('git-status-porcelain').facts.changes?.files).toBe(4);
    expect(by('codex-many-files').facts.changes?.files).toBe(23);
    expect(by('claude-not-logged-in').result).toBe('Not logged in · Please run /login');
    expect(by('gemini-no-auth').facts.errors[0]).toMatch(/^Please set an Auth method/);
    expect(by('codex-answer-only').result).toMatch(/^scripts\/deploy\.sh builds/);
    expect(by('python-traceback').facts.errors.join('\n')).toMatch(/OperationalError/);
    expect(by('vitest-pass').facts.errors).toEqual([]);
  });
});

describe('every diagram parses', () => {
  it('the parser rejects broken Mermaid (so the checks above can fail)', async () => {
    expect(await mermaidError('flowchart LR\n  T["npm test"] --> A1["✓ ok"]')).toBeNull();
    expect(await mermaidError('flowchart LR\n  T[say "hi"] --> A1')).not.toBeNull();
    expect(await mermaidError('flowchart LR\n  T["unclosed --> A1')).not.toBeNull();
  });

  it('labels of any text stay one valid node each, within budget', async () => {
    const base = built.find((b) => b.c.name === 'vitest-fail')!.n;
    const nasty = fc.oneof(
      fc.string({ maxLength: 300, unit: 'grapheme' }),
      fc.string({ maxLength: 300, unit: 'binary' }),
      fc.constantFrom(
        '"',
        '""]',
        '#quot;',
        '#35;',
        'a;b',
        '|x|',
        '`md`',
        '<b>',
        '</div>',
        'end',
        'subgraph',
        '\n',
        '\r\n',
        '&amp;',
        '-->',
        '[[',
        '))',
        '{{',
        'style A fill:#f00;',
        'click A call x()',
        '%%{init: {}}%%',
        '🙂',
        '\u202e',
        'é',
        '\\"',
      ),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(nasty, { minLength: 1, maxLength: 6 }),
        fc.boolean(),
        async (parts, complex) => {
          const text = parts.join(complex ? ' ' : '');
          const n: NormalizedOutput = {
            ...base,
            what: text,
            prompt: text,
            where: text,
            result: text,
            complex,
            facts: complex
              ? { ...base.facts, errors: [text] }
              : { tests: null, changes: null, errorCount: null, errors: [] },
          };
          const diagram = toMermaid(n);
          expect(tokens(diagram)).toBeLessThanOrEqual(complex ? 200 : 80);
          expect(await mermaidError(diagram)).toBeNull();
        },
      ),
      { numRuns: 300 },
    );
  });
});
