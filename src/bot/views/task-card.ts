import type { InlineKeyboardButton } from 'grammy/types';
import type { Approval } from '../../core/approval.js';
import { normalizeOutput } from '../../core/compression/normalize.js';
import { toMermaidText } from '../../core/compression/render.js';
import { CONSENSUS_RUNG } from '../../core/escalation.js';
import type { Stage } from '../../core/stage.js';
import { isTerminal, type Task } from '../../core/task.js';
import { taskCallback } from '../callback-data.js';
import {
  echoLine,
  formatDuration,
  formatTokens,
  formatUsd,
  lastLines,
  STATUS_ICON,
  statusWords,
  taskRef,
} from './describe-task.js';
import { bold, italic, join, lines, plain, pre, type RichText } from './rich-text.js';

export interface TaskCardInput {
  readonly task: Task;
  /** The latest attempt, if any. */
  readonly stage: Stage | null;
  /** The latest approval record, if the task met a gate. */
  readonly approval: Approval | null;
  /** Live output while it runs (not stored). */
  readonly tail: string | null;
  readonly now: Date;
  /** A person's name for an actor id (config users), or the id itself. */
  readonly nameOf: (actorId: string) => string;
  /** At a pipeline gate: what ran, outcome, cost, what comes next. */
  readonly handoff?: string | null | undefined;
  /** Per-task halt limit, shown as the estimate for agent work that has not run yet. */
  readonly taskHaltUsd: number;
  /** Why the chooser picked the executor, when it did (chooser.default_executor). */
  readonly executorReason?: string | null | undefined;
  /** The web app's public URL: a finished card links to the task's page there. */
  readonly publicUrl?: string | null | undefined;
}

/**
 * The task's page in the web app, where its Mermaid diagram is drawn (Telegram cannot render
 * it, SPEC §3.5). https only: the Bot API refuses a button that links to http or to loopback,
 * and one bad button would lose the whole card.
 */
export function taskPageUrl(publicUrl: string | null | undefined, taskId: string): string | null {
  if (!publicUrl) return null;
  const base = publicUrl.replace(/\/+$/, '');
  if (!base.startsWith('https://')) return null;
  return `${base}/#/task/${encodeURIComponent(taskId)}`;
}

export interface Card {
  readonly text: RichText;
  readonly keyboard: InlineKeyboardButton[][];
}

const LIVE_LINES = 12;
const LIVE_CHARS = 1_200;
const RESULT_LINES = 8;
const RESULT_CHARS = 900;
/** Card text must stay well inside one message with its header and buttons. */
export const REQUEST_IN_CARD_CHARS = 3_000;

const btn = (text: string, data: string): InlineKeyboardButton => ({ text, callback_data: data });

function elapsed(i: TaskCardInput): string | null {
  const { stage } = i;
  if (!stage) return null;
  const end = stage.finishedAt ? Date.parse(stage.finishedAt) : i.now.getTime();
  return formatDuration(stage.latencyMs ?? end - Date.parse(stage.startedAt));
}

function decision(i: TaskCardInput): string | null {
  const a = i.approval;
  if (!a || a.status === 'pending') return null;
  const by = a.decidedBy ? ` by ${i.nameOf(a.decidedBy)}` : '';
  switch (a.status) {
    case 'approved':
      return `Approved${by}`;
    case 'rejected':
      return `Rejected${by}${a.reason ? `: ${a.reason}` : ''}`;
    case 'expired':
      return 'The approval request expired (counts as rejected)';
    case 'cancelled':
      return `Cancelled${by}`;
  }
}

/** What the request is, in full (approval cards never cut the command a tap approves). */
export function requestText(task: Task): string {
  if (task.kind === 'shell') return (task.argv ?? []).join(' ');
  if (task.kind === 'agent') return task.prompt ?? '';
  const params = Object.entries(task.params).map(([k, v]) => `${k}=${String(v)}`);
  return [task.template ?? task.kind, ...params, ...(task.argv ? ['→', ...task.argv] : [])].join(
    ' ',
  );
}

function approvalBody(i: TaskCardInput, requestInDocument: boolean): RichText {
  const { task, approval } = i;
  const request = requestText(task);
  const estimate =
    task.kind === 'agent'
      ? `up to ${formatUsd(task.budgetUsd ?? i.taskHaltUsd)} (halted there)`
      : '$0 (no model)';
  const facts = [
    `Host: ${task.host ?? 'local'}`,
    task.repo ? `Repo: ${task.repo}` : null,
    task.environment ? `Environment: ${task.environment}` : null,
    `Risk: ${task.risk} — ${task.riskReason}`,
    `Estimated cost: ${estimate}`,
  ].filter((l): l is string => l !== null);
  const how =
    approval?.requiredPhrase !== null && approval?.requiredPhrase !== undefined
      ? join([
          'To approve, reply to this message with ',
          bold(approval.requiredPhrase),
          ' (an approver, typed exactly).',
        ])
      : task.gate === 'confirm'
        ? plain(
            'I guessed at what you meant: Run starts it, Edit lets you reword it (reply to this card), Cancel drops it.',
          )
        : plain('Approve or reject below.');
  return lines(
    requestInDocument
      ? italic(
          `The full ${task.kind === 'agent' ? 'prompt' : 'command'} (${request.length} characters) is in the document above.`,
        )
      : pre(request),
    facts.join('\n'),
    i.handoff ? join([bold('Handoff: '), i.handoff]) : null,
    approval ? `Expires ${approval.expiresAt.slice(11, 16)} UTC.` : null,
    how,
  );
}

/** The one message that follows a task in the chat: echo, state, live output, then the result. */
export function taskCard(i: TaskCardInput): Card {
  const { task, stage } = i;
  const head = join([`${STATUS_ICON[task.status]} `, bold(echoLine(task))]);
  const time = elapsed(i);
  const guessing = task.status === 'awaiting_approval' && task.gate === 'confirm';
  const state = [taskRef(task), guessing ? 'waiting for Run' : statusWords(task.status), time]
    .filter(Boolean)
    .join(' · ');
  const keyboard: InlineKeyboardButton[][] = [];
  let body: RichText;

  if (task.status === 'awaiting_approval') {
    const inDocument = requestText(task).length > REQUEST_IN_CARD_CHARS;
    body = approvalBody(i, inDocument);
    if (guessing) {
      // One tap runs a guess; nothing typed does (see approve-task's `via`).
      keyboard.push([
        btn('Run', taskCallback('approve', task.id)),
        btn('Edit', taskCallback('edit', task.id)),
        btn('Cancel', taskCallback('cancel', task.id)),
      ]);
    } else {
      const row = [btn('Reject', taskCallback('reject', task.id))];
      if (i.approval?.requiredPhrase == null)
        row.unshift(btn('Approve', taskCallback('approve', task.id)));
      keyboard.push(row);
    }
  } else if (!isTerminal(task.status)) {
    const tail = i.tail ? lastLines(i.tail, LIVE_LINES, LIVE_CHARS) : '';
    body = lines(
      decision(i),
      task.executor === CONSENSUS_RUNG
        ? italic('On its consensus rung: two executors answer it side by side…')
        : tail
          ? pre(tail)
          : task.status === 'queued'
            ? italic('Waiting for a runner…')
            : null,
    );
    keyboard.push([btn('Cancel', taskCallback('cancel', task.id))]);
  } else {
    body = resultBody(i);
    const row = [
      btn('Full output', taskCallback('output', task.id)),
      btn('Re-run', taskCallback('rerun', task.id)),
    ];
    if (task.kind === 'agent' && stage?.sessionId)
      row.push(btn('Continue', taskCallback('continue', task.id)));
    // A task that never ran (rejected, expired, cancelled in the queue) has nothing to show.
    if (stage) keyboard.push(row);
    const page = stage ? taskPageUrl(i.publicUrl, task.id) : null;
    if (page) keyboard.push([{ text: 'Diagram and details', url: page }]);
  }
  const chosen = i.executorReason ? italic(i.executorReason) : null;
  return { text: lines(head, state, chosen, body), keyboard };
}

function resultBody(i: TaskCardInput): RichText {
  const { task } = i;
  // Settled on its consensus rung: the last attempt is a rung it climbed past; the sides'
  // comparison follows as its own message.
  const stage = task.executor === CONSENSUS_RUNG ? null : i.stage;
  const figures = [
    task.costUsd > 0 || task.kind === 'agent' ? formatUsd(task.costUsd) : null,
    task.tokensIn + task.tokensOut > 0
      ? `${formatTokens(task.tokensIn)} in / ${formatTokens(task.tokensOut)} out tokens`
      : null,
    stage?.exitCode !== null && stage?.exitCode !== undefined ? `exit ${stage.exitCode}` : null,
    stage?.signal ? `signal ${stage.signal}` : null,
    stage?.errorClass ? stage.errorClass.replace(/_/g, ' ') : null,
  ].filter(Boolean);
  const output = stage?.stdoutTail?.trim() ? stage.stdoutTail : (stage?.stderrTail ?? '');
  const excerpt = output.trim() ? lastLines(output, RESULT_LINES, RESULT_CHARS) : '';
  // Telegram does not render Mermaid: the diagram's text form, first line only (the summary follows).
  const flow = stage ? toMermaidText(normalizeOutput(task, [stage])).split('\n')[0]! : null;
  return lines(
    decision(i),
    figures.length ? figures.join(' · ') : null,
    flow,
    // A shell command's summary is often its last line, already in the excerpt.
    stage?.summary && !excerpt.includes(stage.summary.trim())
      ? join([bold('Summary: '), stage.summary])
      : null,
    excerpt ? pre(excerpt) : null,
  );
}
