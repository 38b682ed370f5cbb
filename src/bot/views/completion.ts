import type { Stage, StoredOutput } from '../../core/stage.js';
import type { Task } from '../../core/task.js';
import { formatDuration, formatUsd, STATUS_ICON, statusWords, taskRef } from './describe-task.js';
import { bold, join, type RichText } from './rich-text.js';

/** Output longer than this does not fit a card's excerpt: it goes along as a .txt document. */
export const LONG_OUTPUT_CHARS = 3_500;

/** "✅ #3f9a2c1b succeeded · 12.3 s · $0.03": the one message that notifies at the end. */
export function completionLine(task: Task, stage: Stage | null): RichText {
  const parts = [
    stage?.latencyMs != null ? formatDuration(stage.latencyMs) : null,
    task.costUsd > 0 ? formatUsd(task.costUsd) : null,
    stage?.errorClass ? stage.errorClass.replace(/_/g, ' ') : null,
  ].filter(Boolean);
  return join([
    `${STATUS_ICON[task.status]} `,
    bold(`${taskRef(task)} ${statusWords(task.status)}`),
    parts.length ? ` · ${parts.join(' · ')}` : '',
  ]);
}

export const isLongOutput = (o: StoredOutput): boolean =>
  o.stdoutBytes + o.stderrBytes > LONG_OUTPUT_CHARS;

/** The stored output as one text file: stdout, then stderr under a marker. */
export function outputFile(task: Task, o: StoredOutput): { name: string; content: string } {
  const parts = [o.stdout];
  if (o.stderr) parts.push(`\n----- stderr -----\n${o.stderr}`);
  if (o.truncated) parts.push("\n(The middle was cut; the runner's spool file has everything.)\n");
  return { name: `${taskRef(task).slice(1)}-output.txt`, content: parts.join('') };
}
