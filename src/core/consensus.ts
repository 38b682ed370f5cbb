/**
 * Agreement between two outputs (SPEC §3.4): the Jaccard index of their sets of lines
 * (trailing whitespace ignored, blank lines dropped): |A ∩ B| / |A ∪ B|. 1 means the same
 * lines (in any order), 0 none in common; two empty outputs agree fully.
 */
export function agreementScore(a: string, b: string): number {
  const set = (s: string) => new Set(lines(s).filter((l) => l !== ''));
  const left = set(a);
  const right = set(b);
  if (left.size === 0 && right.size === 0) return 1;
  let both = 0;
  for (const l of left) if (right.has(l)) both++;
  return both / (left.size + right.size - both);
}

const lines = (s: string): string[] =>
  s === ''
    ? []
    : s
        .replace(/\n$/, '')
        .split('\n')
        .map((l) => l.trimEnd());

export const DIFF_LIMITS = {
  /** The LCS table is lines × lines: past this many lines per side the rest is not compared. */
  lines: 1_000,
  chars: 8_000,
  context: 3,
} as const;

export interface Diff {
  readonly text: string;
  readonly truncated: boolean;
}

type Op = { readonly t: ' ' | '-' | '+'; readonly line: string };

function edits(a: readonly string[], b: readonly string[]): Op[] {
  const n = a.length;
  const m = b.length;
  // lcs[i][j]: length of the LCS of a[i..] and b[j..], flattened.
  const lcs = new Uint32Array((n + 1) * (m + 1));
  const at = (i: number, j: number) => lcs[i * (m + 1) + j] ?? 0;
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      lcs[i * (m + 1) + j] =
        a[i] === b[j] ? at(i + 1, j + 1) + 1 : Math.max(at(i + 1, j), at(i, j + 1));
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      ops.push({ t: ' ', line: a[i]! });
      i++;
      j++;
    } else if (i < n && (j >= m || at(i + 1, j) >= at(i, j + 1))) {
      ops.push({ t: '-', line: a[i]! });
      i++;
    } else {
      ops.push({ t: '+', line: b[j]! });
      j++;
    }
  }
  return ops;
}

const range = (start: number, count: number) =>
  count === 1 ? `${start}` : `${count === 0 ? start - 1 : start},${count}`;

/**
 * A unified diff (`@@ -l,s +l,s @@` hunks with 3 lines of context) of two texts, LCS-based.
 * Capped at DIFF_LIMITS: longer inputs and diffs are cut and say so.
 */
export function unifiedDiff(a: string, b: string, labels = { a: 'a', b: 'b' }): Diff {
  const la = lines(a);
  const lb = lines(b);
  let truncated = la.length > DIFF_LIMITS.lines || lb.length > DIFF_LIMITS.lines;
  const ops = edits(la.slice(0, DIFF_LIMITS.lines), lb.slice(0, DIFF_LIMITS.lines));
  const changed = ops.map((o, k) => (o.t === ' ' ? -1 : k)).filter((k) => k >= 0);
  if (changed.length === 0) return { text: '', truncated };
  const C = DIFF_LIMITS.context;
  // Group changes whose context windows touch into one hunk.
  const hunks: [number, number][] = [];
  for (const k of changed) {
    const last = hunks.at(-1);
    if (last && k - last[1] <= 2 * C + 1) last[1] = k;
    else hunks.push([k, k]);
  }
  const out = [`--- ${labels.a}`, `+++ ${labels.b}`];
  // Line numbers before each op, in a and in b.
  const posA: number[] = [];
  const posB: number[] = [];
  let pa = 1;
  let pb = 1;
  for (const o of ops) {
    posA.push(pa);
    posB.push(pb);
    if (o.t !== '+') pa++;
    if (o.t !== '-') pb++;
  }
  for (const [first, last] of hunks) {
    const from = Math.max(0, first - C);
    const to = Math.min(ops.length - 1, last + C);
    const body = ops.slice(from, to + 1);
    const countA = body.filter((o) => o.t !== '+').length;
    const countB = body.filter((o) => o.t !== '-').length;
    out.push(`@@ -${range(posA[from]!, countA)} +${range(posB[from]!, countB)} @@`);
    for (const o of body) out.push(`${o.t}${o.line}`);
  }
  let text = out.join('\n') + '\n';
  if (text.length > DIFF_LIMITS.chars) {
    text = text.slice(0, text.lastIndexOf('\n', DIFF_LIMITS.chars) + 1);
    truncated = true;
  }
  return { text, truncated };
}
