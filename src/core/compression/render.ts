import { changesLabel, OUTCOME_MARK, testsLabel, toMermaid } from './mermaid.js';
import type { NormalizedOutput } from './normalize.js';
import { clip, formatCost, formatMs } from './text.js';

/** SPEC §3.5, in increasing size; `mermaid` is what clients get when they do not ask. */
export const VERBOSITY_LEVELS = ['summary', 'mermaid', 'standard', 'full'] as const;
export type Verbosity = (typeof VERBOSITY_LEVELS)[number];
export const DEFAULT_VERBOSITY: Verbosity = 'mermaid';

const TEXT_LINE_CHARS = 160;

function factsText(n: NormalizedOutput): string[] {
  const f = n.facts;
  return [
    f.tests ? testsLabel(f.tests) : null,
    f.changes ? changesLabel(f.changes) : null,
    f.errors[0]
      ? `${f.errorCount && f.errorCount > 1 ? `${f.errorCount} errors: ` : ''}${f.errors[0]}`
      : null,
  ].filter((x): x is string => x !== null);
}

function attemptText(n: NormalizedOutput): string[] {
  const each = n.attempts.map((a) =>
    [
      OUTCOME_MARK[a.outcome],
      a.executor && n.kind === 'agent' && a.executor !== n.what ? a.executor : null,
      a.exitCode !== null && a.exitCode !== 0 ? `exit ${a.exitCode}` : null,
      a.errorClass && a.errorClass !== a.outcome ? a.errorClass.replace(/_/g, ' ') : null,
      a.durationMs !== null ? formatMs(a.durationMs) : null,
    ]
      .filter(Boolean)
      .join(' '),
  );
  // Repeats collapse as in the diagram: "✗ exit 255 5.0 s ×3".
  const out: string[] = [];
  let run = 0;
  each.forEach((t, i) => {
    run = i > 0 && t === each[i - 1] ? run + 1 : 1;
    if (run === 1) out.push(t);
    else out[out.length - 1] = `${t} ×${run}`;
  });
  return out;
}

/**
 * The diagram as text, for chats that do not render Mermaid (Telegram): the same chain of
 * nodes joined by arrows, e.g. "npm test @ build-vm → ✗ exit 1 3.2 s → 12 passed, 1 failed",
 * then the result or first error on its own line. At most two short lines.
 */
export function toMermaidText(n: NormalizedOutput): string {
  const head = [n.what, n.where ? `@ ${n.where}` : null].filter(Boolean).join(' ');
  const earlier = n.earlierAttempts > 0 ? [`${n.earlierAttempts} earlier`] : [];
  const chain = clip(
    [head, ...earlier, ...attemptText(n), ...factsText(n)].join(' → '),
    TEXT_LINE_CHARS,
  );
  const result =
    n.result && !n.facts.errors.includes(n.result) ? clip(n.result, TEXT_LINE_CHARS) : null;
  return result ? `${chain}\n${result}` : chain;
}

/** One line: outcome, what, where, the main fact, cost. */
export function summaryLine(n: NormalizedOutput): string {
  const last = n.attempts.at(-1);
  const mark = last ? OUTCOME_MARK[last.outcome] : '·';
  const tries = n.attempts.length + n.earlierAttempts;
  const parts = [
    `${mark} ${n.what}${n.where ? ` @ ${n.where}` : ''} ${n.status.replace('_', ' ')}`,
    tries > 1 ? `${tries} attempts` : null,
    last?.exitCode ? `exit ${last.exitCode}` : null,
    factsText(n)[0] ?? n.result,
    n.costUsd > 0 ? formatCost(n.costUsd) : null,
  ];
  return clip(parts.filter(Boolean).join(' · '), 200);
}

export interface StoredText {
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * A result at one verbosity level, as text: `summary` one line, `mermaid` the diagram,
 * `standard` the diagram and key excerpts, `full` all of the stored output as well.
 */
export function renderAt(
  level: Verbosity,
  n: NormalizedOutput,
  output: StoredText | null = null,
): string {
  switch (level) {
    case 'summary':
      return summaryLine(n);
    case 'mermaid':
      return toMermaid(n);
    case 'standard':
      return standardText(n);
    case 'full': {
      const parts = [standardText(n)];
      if (output?.stdout) parts.push(`stdout:\n${output.stdout}`);
      if (output?.stderr) parts.push(`stderr:\n${output.stderr}`);
      return parts.join('\n\n');
    }
  }
}

function standardText(n: NormalizedOutput): string {
  const parts = [summaryLine(n), `\`\`\`mermaid\n${toMermaid(n)}\n\`\`\``];
  if (n.excerpt.length) parts.push(n.excerpt.join('\n'));
  return parts.join('\n\n');
}
