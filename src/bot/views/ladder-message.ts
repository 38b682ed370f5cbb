import type { InlineKeyboardButton } from 'grammy/types';
import type { EscalationHistory, TriedRung } from '../../core/use-cases/escalation-history.js';
import { ladderCallback } from '../callback-data.js';
import { echoLine, formatDuration, formatUsd, taskRef } from './describe-task.js';
import { bold, join, lines, type RichText } from './rich-text.js';

const BUTTONS_PER_ROW = 3;

const outcomeOf = (r: TriedRung) =>
  [
    r.outcome.replace(/_/g, ' '),
    r.errorClass && r.errorClass !== r.outcome ? `(${r.errorClass.replace(/_/g, ' ')})` : null,
  ]
    .filter(Boolean)
    .join(' ');

function rungLine(r: TriedRung, n: number): string {
  const who = r.sideOf ? `consensus side ${r.executor}` : r.executor;
  const time = r.latencyMs === null ? null : formatDuration(r.latencyMs);
  return [`${n}. ${who} — ${outcomeOf(r)}`, formatUsd(r.costUsd), time].filter(Boolean).join(' · ');
}

/**
 * SPEC §3.3's last rung: the operator gets the whole climb (each rung tried with its outcome,
 * cost and time; each skipped with why) and decides — re-run on an executor, or drop it.
 * Once decided, the same message shows the decision and no buttons.
 */
export function ladderMessage(h: EscalationHistory): {
  text: RichText;
  keyboard: InlineKeyboardButton[][];
} {
  const { task } = h;
  const tried = h.tried.length
    ? h.tried.map((r, i) => rungLine(r, i + 1)).join('\n')
    : 'No rung ran.';
  const skipped = h.skipped.length
    ? join([bold('Skipped: '), h.skipped.map((s) => `${s.rung} (${s.why})`).join('; ')])
    : null;
  const text = lines(
    join([
      bold(
        `🧗 ${taskRef(task)} climbed the whole ladder and still ${task.status.replace('_', ' ')}`,
      ),
    ]),
    echoLine(task),
    join([bold('Tried:\n'), tried]),
    skipped,
    `Total ${formatUsd(h.totalUsd)}.`,
    h.decision
      ? join([bold('Decided: '), `${h.decision.what} (by ${h.decision.by}).`])
      : 'Your call: re-run it on one of these executors, or drop it.',
  );
  if (h.decision) return { text, keyboard: [] };
  const buttons = h.executors
    .map((e) => ({ e, data: ladderCallback(task.id, e) }))
    .filter((b): b is { e: string; data: string } => b.data !== null)
    .map((b) => ({ text: `Re-run on ${b.e}`, callback_data: b.data }));
  const keyboard: InlineKeyboardButton[][] = [];
  for (let i = 0; i < buttons.length; i += BUTTONS_PER_ROW)
    keyboard.push(buttons.slice(i, i + BUTTONS_PER_ROW));
  keyboard.push([{ text: 'Drop it', callback_data: ladderCallback(task.id, null)! }]);
  return { text, keyboard };
}
