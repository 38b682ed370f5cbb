import type { InlineKeyboardButton } from 'grammy/types';
import type { PermissionRequest } from '../../core/permission.js';
import type { Task } from '../../core/task.js';
import { permissionCallback } from '../callback-data.js';
import { echoLine, taskRef } from './describe-task.js';
import { bold, code, lines, pre, type RichText } from './rich-text.js';

/** What of a tool's input the card shows: enough to decide, short enough to read on a phone. */
export const TOOL_INPUT_CHARS = 600;

const cap = (text: string, max: number) =>
  text.length > max ? `${text.slice(0, max - 1)}…` : text;

// The field that says what a tool use does: Bash's command, Edit's file, WebFetch's url, …
const TELLING_FIELDS = ['command', 'file_path', 'path', 'url', 'pattern', 'query', 'notebook_path'];

/** The input as the approver needs it: the telling field when there is one, else the JSON. */
export function toolInputText(input: Readonly<Record<string, unknown>>): string {
  for (const field of TELLING_FIELDS) {
    const value = input[field];
    if (typeof value === 'string' && value.trim()) return cap(value, TOOL_INPUT_CHARS);
  }
  return cap(JSON.stringify(input, null, 1) ?? '{}', TOOL_INPUT_CHARS);
}

function outcome(r: PermissionRequest): string | null {
  switch (r.status) {
    case 'pending':
      return null;
    case 'allowed':
      return `✅ Approved once by ${r.decidedBy ?? 'an approver'}`;
    case 'denied':
      return `⛔ Denied by ${r.decidedBy ?? 'an approver'}`;
    case 'expired':
      return '⌛ Denied by timeout: nobody answered in time';
  }
}

/**
 * "🔐 claude-sonnet on build-vm wants to use Bash" with the command and two buttons; once
 * decided, the outcome and who decided, without buttons. Sent without parse_mode: the agent's
 * text is never read as markup.
 */
export function permissionCard(
  request: PermissionRequest,
  task: Task | null,
): { text: RichText; keyboard: InlineKeyboardButton[][] } {
  const who = `${task?.executor ?? 'An agent'} on ${task?.host ?? 'a host'}`;
  const verb = request.status === 'pending' ? 'wants' : 'wanted';
  const text = lines(
    bold(cap(`🔐 ${who} ${verb} to use ${request.toolName}`, 300)),
    task ? `${taskRef(task)} · ${echoLine(task, 80)}` : null,
    pre(toolInputText(request.input)),
    outcome(request) ??
      lines(
        'Approve once, or deny. No answer counts as deny at ',
        code(request.expiresAt.slice(11, 19)),
        ' UTC.',
      ),
  );
  const keyboard =
    request.status === 'pending'
      ? [
          [
            { text: 'Approve once', callback_data: permissionCallback('allow', request.id) },
            { text: 'Deny', callback_data: permissionCallback('deny', request.id) },
          ],
        ]
      : [];
  return { text, keyboard };
}
