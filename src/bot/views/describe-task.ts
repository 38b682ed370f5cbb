import { shortRef } from '../../core/use-cases/find-task.js';
import type { Task, TaskStatus } from '../../core/task.js';

const preview = (text: string, max: number) => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1).trimEnd()}…` : flat;
};

/** "codex on build-vm · repo api · fix the flaky login test": what the bot understood. */
export function echoLine(task: Task, max = 120): string {
  const who =
    task.kind === 'agent'
      ? (task.executor ?? 'agent')
      : task.kind === 'shell'
        ? 'shell'
        : `${task.template ?? task.kind}`;
  const parts = [task.host ? `${who} on ${task.host}` : who];
  if (task.repo) parts.push(`repo ${task.repo}`);
  if (task.environment) parts.push(task.environment);
  const what =
    task.kind === 'shell'
      ? (task.argv ?? []).join(' ')
      : task.kind === 'agent'
        ? (task.prompt ?? '')
        : Object.entries(task.params)
            .map(([k, v]) => `${k}=${String(v)}`)
            .join(' ');
  if (what) parts.push(preview(what, max));
  return parts.join(' · ');
}

export const STATUS_ICON: Readonly<Record<TaskStatus, string>> = {
  draft: '📝',
  awaiting_approval: '✋',
  queued: '⏳',
  running: '⚙️',
  succeeded: '✅',
  failed: '❌',
  cancelled: '🚫',
  timed_out: '⏱',
  rejected: '🙅',
  expired: '⌛',
  lost: '❓',
};

export const statusWords = (s: TaskStatus): string => s.replace('_', ' ');

export const taskRef = (task: Pick<Task, 'id'>): string => `#${shortRef(task.id)}`;

// One wording for durations and money everywhere (cards, diagrams, MCP): the core's.
export {
  formatMs as formatDuration,
  formatCost as formatUsd,
} from '../../core/compression/text.js';

export function formatTokens(n: number): string {
  return n >= 1_000_000
    ? `${(n / 1e6).toFixed(1)}M`
    : n >= 1_000
      ? `${(n / 1e3).toFixed(1)}k`
      : String(n);
}

/** The last `maxLines` lines of output, at most `maxChars` characters, trailing blanks gone. */
export function lastLines(text: string, maxLines: number, maxChars: number): string {
  const lines = text.replace(/\r/g, '').replace(/\s+$/, '').split('\n');
  let out = lines.slice(-maxLines).join('\n');
  if (out.length > maxChars) out = `…${out.slice(out.length - maxChars + 1)}`;
  return out;
}
