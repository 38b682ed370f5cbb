import { diffCounts } from '../../core/compression/consensus-mermaid.js';
import type { ConsensusReport } from '../../core/use-cases/consensus-report.js';
import { formatUsd, STATUS_ICON, taskRef } from './describe-task.js';
import { bold, join, lines, pre, type RichText } from './rich-text.js';

/** A diff this long goes as a .txt document instead of a pre block. */
export const INLINE_DIFF_CHARS = 3_000;

/**
 * Both answers are in: who said what, how far they agree, and where they differ. Telegram
 * cannot draw the Mermaid picture, so the same facts go as text.
 */
export function consensusMessage(r: ConsensusReport): { text: RichText; longDiff: string | null } {
  const side = (t: ConsensusReport['runs'][number]) =>
    `${t.executor ?? '?'} ${STATUS_ICON[t.status]} ${formatUsd(t.costUsd)} (${taskRef(t)})`;
  const { agreement, diff } = r.comparison;
  const { onlyA, onlyB } = diffCounts(diff);
  const verdict =
    agreement === null
      ? r.comparison.note
      : agreement === 1
        ? 'They agree line for line.'
        : `They agree on ${Math.round(agreement * 100)}% of their lines; ${onlyA} only in the first, ${onlyB} only in the second.`;
  const inline = diff && diff.length <= INLINE_DIFF_CHARS ? diff : null;
  // Code tasks: where their changed files differ, after where their answers do.
  const changes = r.comparison.changes;
  const files =
    changes === null
      ? null
      : changes.diff === ''
        ? 'They changed the same files the same way.'
        : changes.diff.length <= INLINE_DIFF_CHARS
          ? lines(bold('Their changed files differ:'), pre(changes.diff, 'diff'))
          : 'Their changed files differ: see the attached diff.';
  const long = [
    diff && !inline ? diff : null,
    changes && changes.diff.length > INLINE_DIFF_CHARS ? changes.diff : null,
  ].filter((x): x is string => x !== null);
  return {
    text: lines(
      join([bold('🤝 Consensus'), ` · ${side(r.runs[0])} vs ${side(r.runs[1])}`]),
      verdict,
      inline && agreement !== 1 ? pre(inline, 'diff') : null,
      files,
    ),
    longDiff: long.length ? long.join('\n') : null,
  };
}
