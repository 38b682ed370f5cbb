// The intent parser: how long 10,000 chat messages take, against the least work any parser
// must do on them (Unicode normalisation, lower-casing, splitting into words), measured in
// the same run; and how many phrasings of the test corpus it reads as expected.
import { performance } from 'node:perf_hooks';
import { parseRequest, type ParseContext } from '../src/core/intent/parse-request.js';
import { CORPUS } from '../test/fixtures/intent-corpus.js';
import { TEST_VOCABULARY } from '../test/helpers/vocabulary.js';
import { median } from './stats.js';

export interface IntentBenchOptions {
  readonly messages: number;
  readonly rounds: number;
}

export const DEFAULT_INTENT_BENCH_OPTIONS: IntentBenchOptions = { messages: 10_000, rounds: 7 };

export interface IntentBenchResult {
  readonly options: IntentBenchOptions;
  readonly distinctMessages: number;
  readonly meanChars: number;
  readonly baselineMs: number;
  readonly parserMs: number;
  readonly parserRoundsMs: readonly number[];
  readonly corpus: {
    readonly total: number;
    readonly matched: number;
    readonly misses: readonly string[];
  };
}

/** The expected value's fields, recursively, must equal the actual ones (like toMatchObject). */
function matches(actual: unknown, expected: unknown): boolean {
  if (Array.isArray(expected))
    return (
      Array.isArray(actual) &&
      actual.length === expected.length &&
      expected.every((e, i) => matches(actual[i], e))
    );
  if (expected && typeof expected === 'object')
    return (
      !!actual &&
      typeof actual === 'object' &&
      Object.entries(expected).every(([k, v]) => matches((actual as Record<string, unknown>)[k], v))
    );
  return Object.is(actual, expected);
}

const baseline = (text: string) => text.normalize('NFKC').toLowerCase().split(/\s+/u).length;

function time(messages: readonly string[], f: (text: string) => unknown): number {
  const t0 = performance.now();
  let sink = 0;
  for (const m of messages) sink += f(m) ? 1 : 0;
  const ms = performance.now() - t0;
  if (sink < 0) throw new Error('unreachable');
  return ms;
}

export function runIntentBench(
  o: IntentBenchOptions = DEFAULT_INTENT_BENCH_OPTIONS,
): IntentBenchResult {
  const ctx: ParseContext = { vocabulary: TEST_VOCABULARY };
  const withContext: ParseContext = { ...ctx, lastRepo: 'api' };
  const distinct = CORPUS.map((c) => c.text);
  const messages = Array.from(
    { length: o.messages },
    (_, i) => distinct[i % distinct.length] ?? '',
  );
  const parse = (text: string) => parseRequest(text, text.length % 2 ? ctx : withContext);
  // Warm-up: JIT both paths before anything is timed.
  time(messages, parse);
  time(messages, baseline);
  const base: number[] = [];
  const parser: number[] = [];
  for (let round = 0; round < o.rounds; round++) {
    base.push(time(messages, baseline));
    parser.push(time(messages, parse));
  }
  const misses = CORPUS.filter(
    (c) => !matches(parseRequest(c.text, { ...ctx, ...c.context }), c.expect),
  ).map((c) => c.text);
  return {
    options: o,
    distinctMessages: distinct.length,
    meanChars: messages.reduce((n, m) => n + m.length, 0) / messages.length,
    baselineMs: median(base),
    parserMs: median(parser),
    parserRoundsMs: parser,
    corpus: { total: CORPUS.length, matched: CORPUS.length - misses.length, misses },
  };
}
