import type { Breaker } from '../../core/breaker.js';
import type { Task } from '../../core/task.js';
import { echoLine, formatUsd, STATUS_ICON, statusWords, taskRef } from './describe-task.js';
import { bold, join, lines, plain, type RichText } from './rich-text.js';

const BREAKER_WORDS: Readonly<Record<Breaker['state'], string>> = {
  ok: 'ok',
  warn: 'warning',
  open: 'OPEN — new executions blocked',
  flagged: 'flagged',
};

// A task's open breaker stopped that task alone: nothing else is blocked.
const stateWords = (b: Breaker): string =>
  b.scope === 'task' && b.state === 'open' ? 'limit reached, task stopped' : BREAKER_WORDS[b.state];

export function breakerLine(b: Breaker): string {
  const scope =
    b.scope === 'day'
      ? `Today (${b.period} UTC)`
      : b.scope === 'month'
        ? `This month (${b.period})`
        : `Task ${b.period}`;
  // An overridden day is over its limit but lets work through: "blocked" would be wrong.
  const words =
    b.overriddenBy && b.state === 'open'
      ? `over the limit, overridden by ${b.overriddenBy} until the period ends`
      : `${stateWords(b)}${b.overriddenBy ? `, overridden by ${b.overriddenBy}` : ''}`;
  return `${scope}: ${formatUsd(b.spentUsd)} of ${formatUsd(b.thresholdUsd)} · ${words}`;
}

/** One line per task: icon, reference, what it is. */
export function taskList(title: string, tasks: readonly Task[], empty: string): RichText {
  if (!tasks.length) return lines(bold(title), empty);
  return lines(
    bold(title),
    ...tasks.map((t) =>
      plain(`${STATUS_ICON[t.status]} ${taskRef(t)} ${statusWords(t.status)} · ${echoLine(t, 60)}`),
    ),
  );
}

export function statusOverview(input: {
  readonly queueDepth: number;
  readonly running: readonly Task[];
  readonly awaiting: readonly Task[];
  readonly breakers: readonly Breaker[];
}): RichText {
  return lines(
    bold('Status'),
    `Queued: ${input.queueDepth} · running: ${input.running.length} · awaiting approval: ${input.awaiting.length}`,
    input.running.length ? taskList('Running', input.running, '') : null,
    input.awaiting.length ? taskList('Awaiting approval', input.awaiting, '') : null,
    join([bold('Breakers'), '\n', input.breakers.map(breakerLine).join('\n')]),
  );
}

export function spendView(
  breakers: readonly Breaker[],
  period: 'day' | 'month' | 'both',
): RichText {
  const shown = breakers.filter((b) => period === 'both' || b.scope === period);
  return lines(bold('Spend'), ...shown.map(breakerLine));
}

const ALERT_HEAD: Readonly<Record<Breaker['state'], string>> = {
  ok: '✅ Spend is back under its limit',
  warn: '⚠️ Spend warning',
  open: '🛑 Spend limit reached: new executions are blocked',
  flagged: '🚩 Monthly spend flagged',
};

const TASK_HALTED_HEAD =
  '🛑 Per-task spend limit reached: this task is stopped (other work is not blocked)';

export function breakerAlert(b: Breaker): RichText {
  const head = b.scope === 'task' && b.state === 'open' ? TASK_HALTED_HEAD : ALERT_HEAD[b.state];
  return lines(bold(head), breakerLine(b));
}
