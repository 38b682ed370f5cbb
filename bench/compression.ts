import { countTokens } from 'gpt-tokenizer';
import { performance } from 'node:perf_hooks';
import { toMermaid } from '../src/core/compression/mermaid.js';
import { normalizeOutput } from '../src/core/compression/normalize.js';
import { summaryLine, toMermaidText } from '../src/core/compression/render.js';
import { caseToTask, loadOutputCorpus } from '../test/helpers/output-corpus.js';

export const COMPRESSION_HEADING = '## Output compression';

interface Row {
  readonly group: string;
  readonly cases: number;
  readonly mermaid: readonly number[];
  readonly raw: readonly number[];
}

export interface CompressionBenchResult {
  readonly rows: readonly Row[];
  readonly totalCases: number;
  readonly perOutputUs: number;
  readonly baselineUs: number;
  readonly rounds: number;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Raw output past this many characters is counted by extrapolation (the tokenizer is slow on MBs). */
const COUNT_CHARS = 200_000;
function rawTokens(text: string): number {
  if (text.length <= COUNT_CHARS) return countTokens(text);
  return Math.round((countTokens(text.slice(0, COUNT_CHARS)) * text.length) / COUNT_CHARS);
}

/**
 * Tokens of each corpus diagram against the tokens of the raw output it stands for, and the
 * time normalize + render takes per output against JSON.stringify of the same task and stages.
 */
export function runCompressionBench(rounds = 15): CompressionBenchResult {
  const corpus = loadOutputCorpus().map((c) => ({ c, ...caseToTask(c) }));
  const groups = new Map<string, { mermaid: number[]; raw: number[] }>();
  for (const { c, task, stages } of corpus) {
    const n = normalizeOutput(task, stages);
    const key = `${c.category} · ${n.complex ? 'complex' : 'simple'}`;
    const g = groups.get(key) ?? { mermaid: [], raw: [] };
    g.mermaid.push(countTokens(toMermaid(n)));
    g.raw.push(rawTokens(stages.map((s) => `${s.stdoutTail ?? ''}${s.stderrTail ?? ''}`).join('')));
    groups.set(key, g);
  }
  const time = (fn: () => void) => {
    const samples: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const t = performance.now();
      fn();
      samples.push(((performance.now() - t) * 1_000) / corpus.length);
    }
    return median(samples);
  };
  let sink = 0;
  const compress = () => {
    for (const { task, stages } of corpus) {
      const n = normalizeOutput(task, stages);
      sink += toMermaid(n).length + toMermaidText(n).length + summaryLine(n).length;
    }
  };
  const baseline = () => {
    for (const { task, stages } of corpus) sink += JSON.stringify({ task, stages }).length;
  };
  compress();
  baseline();
  const perOutputUs = time(compress);
  const baselineUs = time(baseline);
  if (sink < 0) console.log(sink);
  const rows = [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([group, g]) => ({ group, cases: g.mermaid.length, ...g }));
  return { rows, totalCases: corpus.length, perOutputUs, baselineUs, rounds };
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const range = (xs: readonly number[]) =>
  `${int(Math.min(...xs))} / ${int(median(xs))} / ${int(Math.max(...xs))}`;

export function renderCompressionSection(r: CompressionBenchResult): string {
  const rows = r.rows.map((x) => {
    const ratio = median(x.raw.map((raw, i) => raw / Math.max(1, x.mermaid[i]!)));
    return `| ${x.group} | ${x.cases} | ${range(x.mermaid)} | ${range(x.raw)} | ${ratio.toFixed(1)}× |`;
  });
  const simple = r.rows.filter((x) => x.group.endsWith('simple')).flatMap((x) => x.mermaid);
  const complex = r.rows.filter((x) => x.group.endsWith('complex')).flatMap((x) => x.mermaid);
  return `${COMPRESSION_HEADING}

The \`mermaid\` verbosity level (SPEC §3.5) over the ${r.totalCases} real-shaped outputs in
\`test/fixtures/outputs/\` (claude, codex, gemini and shell: successes, failures, test runs,
diffs, long and 1 MB logs). Tokens by gpt-tokenizer (o200k_base); raw outputs over
${int(COUNT_CHARS)} characters are counted on their first ${int(COUNT_CHARS)} and scaled.
Budgets: simple ≤ 80, complex ≤ 200 (\`test/integration/compression-corpus.test.ts\` fails
past them, and parses every diagram with the \`mermaid\` package).

| Source · size | Cases | Mermaid tokens min / median / max | Raw output tokens min / median / max | Median raw ÷ mermaid |
| --- | --- | --- | --- | --- |
${rows.join('\n')}

- **Simple:** max ${int(Math.max(...simple))} tokens (budget 80). **Complex:** max ${int(Math.max(...complex))} tokens (budget 200).
- **Time:** normalize + diagram + text + summary line costs **${r.perOutputUs.toFixed(1)} µs** per
  output (median of ${r.rounds} rounds over the corpus); \`JSON.stringify\` of the same task and
  stages, as a baseline, ${r.baselineUs.toFixed(1)} µs — ratio **${(r.perOutputUs / r.baselineUs).toFixed(2)}×**.
  Each output is read only up to 16 KB from its head and 48 KB from its tail, so a 1 MB log
  costs about what a 64 KB one does.`;
}
