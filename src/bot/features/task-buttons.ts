import { Composer } from 'grammy';
import { describeError, type DomainError } from '../../core/errors.js';
import { approveTask } from '../../core/use-cases/approve-task.js';
import { cancelTask } from '../../core/use-cases/cancel-task.js';
import { findTask } from '../../core/use-cases/find-task.js';
import { getTaskOutput } from '../../core/use-cases/get-task-output.js';
import { rejectTask } from '../../core/use-cases/reject-task.js';
import { rerunTask } from '../../core/use-cases/rerun-task.js';
import { taskSubject } from '../../core/audit.js';
import { parseCallback } from '../callback-data.js';
import type { BotContext } from '../context.js';
import type { BotConfig, BotDeps } from '../deps.js';
import { postTask } from '../post-task.js';
import { recordRefusedTap } from './refused-tap.js';
import { sendRich, sendTextFile } from '../send.js';
import { outputFile } from '../views/completion.js';
import { requestText } from '../views/task-card.js';
import { taskRef } from '../views/describe-task.js';
import { bold, lines, pre } from '../views/rich-text.js';
import { TELEGRAM_TEXT_LIMIT } from '../views/split-message.js';

/** Output up to this many messages is shown inline; more goes as a .txt document. */
const INLINE_OUTPUT_MESSAGES = 3;

/** The toast for a tap that changed nothing; callback toasts are capped at 200 characters. */
function toast(error: DomainError): string {
  switch (error.code) {
    case 'forbidden':
      return error.role === 'viewer' ? 'Only an approver can do that.' : describeError(error);
    case 'phrase_required':
      return `Needs the typed phrase: reply to the card with ${error.phrase}.`;
    case 'tap_required':
      return describeError(error);
    default:
      return describeError(error).slice(0, 200);
  }
}

/**
 * Approve, Reject, Cancel, Full output, Re-run, Continue. The button only names the task;
 * the database decides whether the tap still means anything, and every tap is answered.
 */
export function taskButtons(deps: BotDeps, config: BotConfig) {
  const composer = new Composer<BotContext>();
  const { core } = deps;

  /** A message that asks for a reply; the reply is read as `kind` for this task. */
  async function askForReply(
    ctx: BotContext,
    taskId: string,
    kind: 'edit' | 'continue',
    text: string,
    placeholder: string,
  ): Promise<void> {
    if (!ctx.chat) return;
    const sent = await ctx.reply(text, {
      reply_markup: { force_reply: true, input_field_placeholder: placeholder },
    });
    await deps.chats.linkMessage({
      chatId: ctx.chat.id,
      messageId: sent.message_id,
      taskId,
      kind,
      createdAt: core.clock.now().toISOString(),
    });
  }

  composer.on('callback_query:data', async (ctx, next) => {
    const data = parseCallback(ctx.callbackQuery.data);
    if (!data || data.action === 'answer') return next();
    const input = { taskId: data.taskId };
    const actor = ctx.actor;
    const refused = (why: DomainError) =>
      recordRefusedTap(ctx, deps, taskSubject(data.taskId), why);
    switch (data.action) {
      case 'approve':
      case 'reject':
      case 'cancel': {
        const r =
          data.action === 'approve'
            ? await approveTask({ deps: core, actor, input: { ...input, via: 'button' } })
            : data.action === 'reject'
              ? await rejectTask({ deps: core, actor, input })
              : await cancelTask({ deps: core, actor, input });
        const done =
          data.action === 'approve'
            ? r.ok && r.value.gate === 'confirm'
              ? 'Running'
              : 'Approved'
            : data.action === 'reject'
              ? 'Rejected'
              : 'Cancelled';
        await ctx.answerCallbackQuery({
          text: r.ok ? `${done} ${taskRef(r.value)}.` : toast(r.error),
        });
        // Either way the card shows the truth now: who decided, no stale buttons.
        deps.board.track(data.taskId);
        if (!r.ok) await refused(r.error);
        return;
      }
      case 'output': {
        const r = await getTaskOutput({ deps: core, actor, input });
        if (!r.ok) {
          await ctx.answerCallbackQuery({ text: toast(r.error) });
          return refused(r.error);
        }
        await ctx.answerCallbackQuery();
        const found = await findTask({ deps: core, actor, input: { ref: data.taskId } });
        const task = found.ok ? found.value : null;
        if (!task || !ctx.chat) return;
        const { output } = r.value;
        const text = lines(
          bold(`Output of ${taskRef(task)} (attempt ${r.value.attempt})`),
          output.stdout ? pre(output.stdout) : null,
          output.stderr ? lines(bold('stderr'), pre(output.stderr)) : null,
          !output.stdout && !output.stderr ? 'It printed nothing.' : null,
        );
        if (
          text.text.length <= INLINE_OUTPUT_MESSAGES * TELEGRAM_TEXT_LIMIT - 200 &&
          !output.truncated
        ) {
          await sendRich(ctx.api, ctx.chat.id, text, { silent: true });
        } else {
          const file = outputFile(task, output);
          await sendTextFile(
            ctx.api,
            ctx.chat.id,
            file.name,
            file.content,
            `Output of ${taskRef(task)}`,
            { silent: true },
          );
        }
        return;
      }
      case 'rerun': {
        const r = await rerunTask({ deps: core, actor, input });
        if (!r.ok) {
          await ctx.answerCallbackQuery({ text: toast(r.error) });
          return refused(r.error);
        }
        await ctx.answerCallbackQuery({ text: `Running it again as ${taskRef(r.value.task)}.` });
        await postTask(ctx, deps, config, r.value);
        return;
      }
      case 'edit': {
        const found = await findTask({ deps: core, actor, input: { ref: data.taskId } });
        const task = found.ok ? found.value : null;
        if (!task || !ctx.chat || task.status !== 'awaiting_approval' || task.gate !== 'confirm')
          return void (await ctx.answerCallbackQuery({
            text: 'Only a request waiting for Run can be edited.',
          }));
        // Rewording is the requester's; anyone else may still Run or Cancel it.
        if (task.requester !== actor.id)
          return void (await ctx.answerCallbackQuery({
            text: 'Only its requester can reword it.',
          }));
        await ctx.answerCallbackQuery();
        // Telegram cannot prefill the input field: the old wording is its placeholder instead.
        return askForReply(
          ctx,
          task.id,
          'edit',
          `Send the corrected request as a reply to this message; ${taskRef(task)} is dropped when it arrives.`,
          requestText(task).slice(0, 64),
        );
      }
      case 'continue': {
        const found = await findTask({ deps: core, actor, input: { ref: data.taskId } });
        const task = found.ok ? found.value : null;
        if (!task || !ctx.chat) {
          await ctx.answerCallbackQuery({ text: 'No such task.' });
          return found.ok ? undefined : refused(found.error);
        }
        await ctx.answerCallbackQuery();
        return askForReply(
          ctx,
          task.id,
          'continue',
          `What should ${task.executor ?? 'the agent'} do next in ${taskRef(task)}? Reply to this message.`,
          'Next instruction…',
        );
      }
    }
  });
  return composer;
}
