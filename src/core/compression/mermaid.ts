import type { NormalizedAttempt, NormalizedOutput } from './normalize.js';
import { formatCost, formatMs } from './text.js';
import { estimateTokens } from './tokens.js';

/** SPEC §3.5: a simple task's diagram stays under 80 tokens; a complex one under 200. */
export const MERMAID_TOKEN_BUDGET = { simple: 80, complex: 200 } as const;

const MIN_LABEL = 6;
const SHORT_LABEL = 28;

/**
 * A label for `id["…"]`: Mermaid reads `#name;` as an entity, so `#` goes first, then the
 * characters that would end the string or be taken as HTML, markdown or a `%%` comment. Newlines and control
 * characters never reach here (labels are clipped to one line); an empty label becomes "-".
 */
export function escapeLabel(text: string): string {
  const flat = text.replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]+/gu, ' ').trim();
  if (!flat) return '-';
  return flat
    .replace(/#/g, '#35;')
    .replace(/%/g, '#37;')
    .replace(/"/g, '#quot;')
    .replace(/&/g, '#amp;')
    .replace(/</g, '#lt;')
    .replace(/>/g, '#gt;')
    .replace(/`/g, '#96;');
}

interface Node {
  readonly id: string;
  label: string;
  /** Dropped first when the diagram is over budget (0 = never dropped). */
  readonly drop: number;
}

export const OUTCOME_MARK: Readonly<Record<NormalizedAttempt['outcome'], string>> = {
  succeeded: '✓',
  failed: '✗',
  timed_out: '⏱',
  cancelled: '⊘',
  lost: '?',
  running: '…',
};

export function attemptLabel(a: NormalizedAttempt, taskExecutor: string | null): string {
  const parts = [
    `${OUTCOME_MARK[a.outcome]} ${a.outcome.replace('_', ' ')}`,
    a.executor && a.executor !== taskExecutor ? a.executor : null,
    a.exitCode !== null && a.exitCode !== 0 ? `exit ${a.exitCode}` : a.signal,
    a.errorClass && a.errorClass !== a.outcome ? a.errorClass.replace(/_/g, ' ') : null,
    a.durationMs !== null ? formatMs(a.durationMs) : null,
    a.costUsd > 0 ? formatCost(a.costUsd) : null,
  ];
  return parts.filter(Boolean).join(' · ');
}

export function testsLabel(t: { passed: number; failed: number; skipped: number }): string {
  return [
    `${t.passed} passed`,
    t.failed ? `${t.failed} failed` : null,
    t.skipped ? `${t.skipped} skipped` : null,
  ]
    .filter(Boolean)
    .join(', ');
}

export function changesLabel(c: NonNullable<NormalizedOutput['facts']['changes']>): string {
  const lines = c.insertions !== null ? ` +${c.insertions} -${c.deletions ?? 0}` : '';
  const names = c.names.length ? `: ${c.names.join(', ')}` : '';
  return `${c.files} file${c.files === 1 ? '' : 's'}${lines}${names}`;
}

function nodesOf(n: NormalizedOutput): { nodes: Node[]; edges: [string, string][] } {
  const head = [n.what, n.where ? `@ ${n.where}` : null].filter(Boolean).join(' ');
  const nodes: Node[] = [{ id: 'T', label: n.prompt ? `${head}: ${n.prompt}` : head, drop: 0 }];
  const edges: [string, string][] = [];
  let prev = 'T';
  if (n.earlierAttempts > 0) {
    nodes.push({
      id: 'E',
      label: `${n.earlierAttempts} earlier attempt${n.earlierAttempts === 1 ? '' : 's'}`,
      drop: 0,
    });
    edges.push([prev, 'E']);
    prev = 'E';
  }
  // Consecutive attempts that ended the same way share one node: "✗ failed · exit 255 ×3".
  const labels = n.attempts.map((a) => attemptLabel(a, n.kind === 'agent' ? n.what : null));
  const same = (i: number) => {
    const a = n.attempts[i]!;
    const b = n.attempts[i - 1]!;
    return a.outcome === b.outcome && a.exitCode === b.exitCode && a.executor === b.executor;
  };
  for (let i = 0; i < n.attempts.length;) {
    let j = i + 1;
    while (j < n.attempts.length && same(j)) j++;
    const id = `A${i + 1}`;
    nodes.push({ id, label: j - i > 1 ? `${labels[i]} ×${j - i}` : labels[i]!, drop: 0 });
    edges.push([prev, id]);
    prev = id;
    i = j;
  }
  if (n.attempts.length === 0) {
    nodes.push({ id: 'S', label: n.status.replace('_', ' '), drop: 0 });
    edges.push([prev, 'S']);
    prev = 'S';
  }
  const f = n.facts;
  const facts: [string, string | null, number][] = [
    ['F1', f.tests ? testsLabel(f.tests) : null, 4],
    ['F2', f.changes ? changesLabel(f.changes) : null, 3],
    [
      'F3',
      f.errors[0]
        ? `${f.errorCount && f.errorCount > 1 ? `${f.errorCount} errors: ` : ''}${f.errors[0]}`
        : null,
      2,
    ],
    ['R', n.result && !f.errors.includes(n.result) ? n.result : null, 1],
  ];
  for (const [id, label, drop] of facts) {
    if (label === null) continue;
    nodes.push({ id, label, drop });
    edges.push([prev, id]);
  }
  return { nodes, edges };
}

function render(nodes: readonly Node[], edges: readonly [string, string][]): string {
  const ids = new Set(nodes.map((x) => x.id));
  return [
    'flowchart LR',
    ...nodes.map((x) => `  ${x.id}["${escapeLabel(x.label)}"]`),
    ...edges.filter(([a, b]) => ids.has(a) && ids.has(b)).map(([a, b]) => `  ${a} --> ${b}`),
  ].join('\n');
}

function shorten(label: string): string {
  const points = Array.from(label.replace(/…$/, ''));
  const keep = Math.max(MIN_LABEL, Math.floor(points.length * 0.75));
  return `${points.slice(0, keep).join('').trimEnd()}…`;
}

/**
 * A small left-to-right flowchart of what happened: the task, each attempt with its outcome,
 * then the facts from the output. Kept within MERMAID_TOKEN_BUDGET by construction: labels are
 * cut (longest first), then the least useful facts dropped, until the estimate fits.
 */
export function toMermaid(n: NormalizedOutput): string {
  const budget = n.complex ? MERMAID_TOKEN_BUDGET.complex : MERMAID_TOKEN_BUDGET.simple;
  const { nodes, edges } = nodesOf(n);
  let text = render(nodes, edges);
  for (let guard = 0; estimateTokens(text) > budget && guard < 200; guard++) {
    // Long labels are cut first, then the least useful facts go, then every label is cut short.
    const longest = (floor: number) =>
      nodes
        .filter((x) => Array.from(x.label).length > floor)
        .sort((a, b) => estimateTokens(b.label) - estimateTokens(a.label))[0];
    const victim = nodes.filter((x) => x.drop > 0).sort((a, b) => a.drop - b.drop)[0];
    const long = longest(SHORT_LABEL);
    const any = longest(MIN_LABEL + 1);
    if (long) long.label = shorten(long.label);
    else if (victim) nodes.splice(nodes.indexOf(victim), 1);
    else if (any) any.label = shorten(any.label);
    else break;
    text = render(nodes, edges);
  }
  return text;
}
