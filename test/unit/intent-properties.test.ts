import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRequest, type ParsedRequest } from '../../src/core/intent/parse-request.js';
import { normalise } from '../../src/core/intent/text.js';
import { taskDraftSchema } from '../../src/core/task-draft.js';
import { INJECTIONS } from '../helpers/injections.js';
import { TEST_VOCABULARY } from '../helpers/vocabulary.js';

// Words the parser reacts to, mixed with noise and hostile fragments, so generated messages
// reach every branch rather than only the default prompt.
const VOCAB_WORDS = [
  'ask',
  'tell',
  'have',
  'use',
  'claude',
  'codex',
  'gemini',
  'opus',
  'sonnet',
  'flash',
  'pro',
  'deploy',
  'build',
  'ship',
  'run',
  'the',
  'tests',
  'test',
  'git',
  'status',
  'on',
  'in',
  'to',
  'for',
  'api',
  'backend',
  'klm',
  'web',
  'build-vm',
  'mac',
  'local',
  'prod',
  'production',
  'staging',
  'dev',
  'cancel',
  'retry',
  '42',
  '#7',
  'spend',
  'today',
  'month',
  'consensus:',
  'second',
  'opinion',
  ':',
  ',',
  '`',
  '```',
  '$',
  'sh:',
  '"',
  "'",
  '\\',
  '\n',
  '🚀',
  'ｆｕｌｌ',
  '\u200B',
  'починить',
  '修复',
  ...INJECTIONS,
];
const message = fc
  .array(fc.oneof(fc.constantFrom(...VOCAB_WORDS), fc.string({ unit: 'binary', maxLength: 12 })), {
    maxLength: 14,
  })
  .map((parts) => parts.join(' '));
const context = fc.record({
  lastHost: fc.option(fc.constantFrom('local', 'build-vm', 'mac-mini', 'unknown-host'), {
    nil: undefined,
  }),
  lastRepo: fc.option(fc.constantFrom('api', 'ios-app', 'unknown-repo'), { nil: undefined }),
});
const parse = (
  text: string,
  ctx: { lastHost?: string | undefined; lastRepo?: string | undefined } = {},
) => parseRequest(text, { vocabulary: TEST_VOCABULARY, ...ctx });

/**
 * Did the message ask for a shell command in one of the explicit forms? A command line that
 * ends by naming where it runs ("df -h on build-vm [in api]") is one too.
 */
const explicitShell = (text: string) =>
  text.includes('`') ||
  /^\s*(?:\$\s|(?:sh|shell|bash|cmd|command|exec)\s*:)/iu.test(normalise(text)) ||
  /^\s*(?:\S+\s+)*?(?:run|execute|exec)\b/iu.test(normalise(text)) ||
  /\son\s+(?:the\s+)?\S+(?:\s+(?:host|vm|server|box|machine))?(?:\s+in\s+(?:the\s+)?\S+(?:\s+(?:repo|project))?)?\s*[.!]?$/iu.test(
    normalise(text),
  );

function checkInvariants(text: string, parsed: ParsedRequest): void {
  if (parsed.type === 'task') {
    expect(taskDraftSchema.safeParse(parsed.draft).success).toBe(true);
    expect(parsed.confidence).toBeGreaterThanOrEqual(0);
    expect(parsed.confidence).toBeLessThanOrEqual(1);
    expect(parsed.echo.length).toBeGreaterThan(0);
    // Text becomes argv only when it asked to be a command.
    if (parsed.draft.kind === 'shell') expect(explicitShell(text)).toBe(true);
  }
  if (parsed.type === 'clarify') expect(parsed.missing[0]).toBe(parsed.field);
}

describe('intent parser: properties', () => {
  it('never throws, and every task it returns validates against the draft schema', () => {
    fc.assert(
      fc.property(message, context, (text, ctx) => {
        checkInvariants(text, parse(text, ctx));
      }),
      { numRuns: 3_000 },
    );
  });

  it('survives arbitrary Unicode, including lone surrogates and control characters', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (text) => {
        checkInvariants(text, parse(text));
      }),
      { numRuns: 2_000 },
    );
  });

  it('keeps a free-form request word for word in the prompt (data, never a command)', () => {
    const plain = fc
      .array(
        fc.constantFrom(
          'fix',
          'the',
          'flaky',
          'login',
          'test',
          'why',
          'is',
          'slow',
          ...INJECTIONS.filter((i) => !i.includes('`')),
        ),
        {
          minLength: 1,
          maxLength: 10,
        },
      )
      .map((w) => `please look at this: ${w.join(' ')}`);
    fc.assert(
      fc.property(plain, (text) => {
        const parsed = parse(text);
        expect(parsed).toMatchObject({ type: 'task', draft: { kind: 'agent', executor: 'codex' } });
        if (parsed.type === 'task' && parsed.draft.kind === 'agent')
          expect(parsed.draft.prompt).toBe(normalise(text));
      }),
      { numRuns: 500 },
    );
  });

  it('answers the same message the same way every time', () => {
    fc.assert(
      fc.property(message, (text) => {
        expect(parse(text)).toEqual(parse(text));
      }),
      { numRuns: 300 },
    );
  });
});
