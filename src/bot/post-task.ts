import { emptyChat } from '../core/chat/chat-state.js';
import { describeError } from '../core/errors.js';
import { isTerminal } from '../core/task.js';
import { findTask } from '../core/use-cases/find-task.js';
import { getTask } from '../core/use-cases/get-task.js';
import type { Submitted } from '../core/use-cases/submit-task.js';
import type { BotContext } from './context.js';
import type { BotConfig, BotDeps } from './deps.js';
import { sendRich, sendTextFile } from './send.js';
import { requestText, REQUEST_IN_CARD_CHARS, taskCard } from './views/task-card.js';

/**
 * A task was just created from this chat: one message follows it from here on (echo first,
 * then state, live output, result), silent until the end.
 */
export async function postTask(
  ctx: BotContext,
  deps: BotDeps,
  config: BotConfig,
  { task, approval }: Submitted,
): Promise<void> {
  const chatId = ctx.chat?.id;
  if (chatId === undefined) return;
  const replyTo = ctx.message?.message_id;
  if (task.status === 'awaiting_approval' && requestText(task).length > REQUEST_IN_CARD_CHARS) {
    // The card never shows a cut command next to live buttons: the whole of it comes first.
    await sendTextFile(
      ctx.api,
      chatId,
      `${task.id}.request.txt`,
      requestText(task),
      'The full request',
      {
        silent: true,
        replyTo,
      },
    );
  }
  const card = taskCard({
    task,
    stage: null,
    approval,
    tail: null,
    now: deps.core.clock.now(),
    nameOf: (id) => id,
    taskHaltUsd: config.taskHaltUsd,
    publicUrl: config.publicUrl,
  });
  const sent = await sendRich(ctx.api, chatId, card.text, {
    keyboard: card.keyboard,
    replyTo,
    // An approval card should be noticed; progress should not.
    silent: task.status !== 'awaiting_approval',
  });
  const last = sent.at(-1);
  const at = deps.core.clock.now().toISOString();
  if (last) {
    await deps.chats.linkMessage({
      chatId,
      messageId: last.message_id,
      taskId: task.id,
      kind: 'progress',
      createdAt: at,
    });
  }
  const chat = (await deps.chats.getChat(chatId)) ?? emptyChat(chatId, at);
  await deps.chats.saveChat({
    ...chat,
    lastHost: task.host ?? chat.lastHost,
    lastRepo: task.repo ?? (task.host && task.host !== chat.lastHost ? null : chat.lastRepo),
    updatedAt: at,
  });
  deps.board.track(task.id, last ? { chatId, messageId: last.message_id, card } : undefined);
}

/** /task 3f9a2c1b: the task's card as a new message, which then follows the task too. */
export async function showTask(ctx: BotContext, deps: BotDeps, config: BotConfig, ref: string) {
  const found = await findTask({ deps: deps.core, actor: ctx.actor, input: { ref } });
  if (!found.ok) return void (await ctx.reply(describeError(found.error)));
  const d = await getTask({ deps: deps.core, actor: ctx.actor, input: { taskId: found.value.id } });
  if (!d.ok || !ctx.chat) return;
  const card = taskCard({
    task: d.value.task,
    stage: d.value.stages.at(-1) ?? null,
    approval: d.value.approvals.at(-1) ?? null,
    tail: null,
    now: deps.core.clock.now(),
    nameOf: (id) => id,
    taskHaltUsd: config.taskHaltUsd,
    publicUrl: config.publicUrl,
  });
  const [sent] = (
    await sendRich(ctx.api, ctx.chat.id, card.text, { keyboard: card.keyboard, silent: true })
  ).slice(-1);
  if (sent && !isTerminal(d.value.task.status)) {
    await deps.chats.linkMessage({
      chatId: ctx.chat.id,
      messageId: sent.message_id,
      taskId: d.value.task.id,
      kind: 'view',
      createdAt: deps.core.clock.now().toISOString(),
    });
  }
}
