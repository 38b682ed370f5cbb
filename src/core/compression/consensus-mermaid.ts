import { escapeLabel } from './mermaid.js';
import { clip, formatCost } from './text.js';

export interface ConsensusSide {
  readonly executor: string;
  readonly status: string;
  readonly costUsd: number;
}

export interface ConsensusPicture {
  readonly a: ConsensusSide;
  readonly b: ConsensusSide;
  /** 0–1, or null while an answer is missing. */
  readonly agreement: number | null;
  /** Lines only one answer has, from each side's point of view. */
  readonly onlyA: number;
  readonly onlyB: number;
}

const MARK: Readonly<Record<string, string>> = { succeeded: '✓', failed: '✗', timed_out: '⏱' };

/** Counts the lines a unified diff removes (only in a) and adds (only in b). */
export function diffCounts(diff: string | null): { onlyA: number; onlyB: number } {
  let onlyA = 0;
  let onlyB = 0;
  for (const line of (diff ?? '').split('\n')) {
    if (line.startsWith('-') && !line.startsWith('---')) onlyA++;
    if (line.startsWith('+') && !line.startsWith('+++')) onlyB++;
  }
  return { onlyA, onlyB };
}

/**
 * SPEC §3.4: the two answers side by side and how far they agree, as a small flowchart —
 * prompt → each executor (outcome, cost) → the verdict (agreement, lines only each one has).
 */
export function consensusMermaid(p: ConsensusPicture): string {
  const side = (s: ConsensusSide) =>
    escapeLabel(
      `${clip(s.executor, 24)} ${MARK[s.status] ?? s.status} ${formatCost(s.costUsd)}`.trim(),
    );
  const verdict =
    p.agreement === null
      ? 'waiting for both answers'
      : `agree ${Math.round(p.agreement * 100)}% · −${p.onlyA} +${p.onlyB} lines`;
  return [
    'flowchart LR',
    '  q(["prompt"]) --> a["' + side(p.a) + '"]',
    '  q --> b["' + side(p.b) + '"]',
    '  a --> v{"' + escapeLabel(verdict) + '"}',
    '  b --> v',
  ].join('\n');
}
