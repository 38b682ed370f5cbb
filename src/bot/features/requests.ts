import { Composer } from 'grammy';
import type { InlineKeyboardButton } from 'grammy/types';
import { emptyChat, type PendingQuestion } from '../../core/chat/chat-state.js';
import { describeError, type DomainError } from '../../core/errors.js';
import {
  CHATTER_REPLY,
  finishDraft,
  type DraftSoFar,
  type ParsedRequest,
} from '../../core/intent/parse-request.js';
import type { Task } from '../../core/task.js';
import { approveTask } from '../../core/use-cases/approve-task.js';
import { cancelTask } from '../../core/use-cases/cancel-task.js';
import { continueTask } from '../../core/use-cases/continue-task.js';
import { findTask } from '../../core/use-cases/find-task.js';
import { parseText, type ParseOutcome } from '../../core/use-cases/parse-text.js';
import { submitConsensus } from '../../core/use-cases/submit-consensus.js';
import { submitTask } from '../../core/use-cases/submit-task.js';
import { answerCallback, parseCallback } from '../callback-data.js';
import type { BotContext } from '../context.js';
import type { BotConfig, BotDeps } from '../deps.js';
import { postTask } from '../post-task.js';
import { taskRef } from '../views/describe-task.js';
import { withoutMention } from './addressed.js';
import { answerQuery } from './queries.js';
import { recordRefusedTap } from './refused-tap.js';

/** Questions older than this are forgotten: a late tap or answer starts afresh. */
const QUESTION_TTL_MS = 15 * 60_000;

const nonceOf = (n: number) => n.toString(36).slice(-8);

/** The short answer to a reply that did not open a gate: what would, and nothing changed. */
function notADecision(error: DomainError): string {
  switch (error.code) {
    case 'tap_required':
      return error.gate === 'confirm' ? 'Tap Run, Edit or Cancel.' : 'Tap Approve or Reject.';
    case 'phrase_required':
      return `Type ${error.phrase} exactly.`;
    default:
      return describeError(error);
  }
}

/**
 * Plain text is a request: parsed (parse-and-confirm), then a task, a query answered at once,
 * or one short question with buttons. A reply to a task's message acts on that task.
 */
export function requests(deps: BotDeps, config: BotConfig) {
  const composer = new Composer<BotContext>();
  const { core, chats } = deps;

  async function submit(ctx: BotContext, parsed: Extract<ParsedRequest, { type: 'task' }>) {
    if (parsed.consensus && parsed.draft.kind === 'agent') {
      // Two executors, two cards; the comparison follows when both have answered.
      const both = await submitConsensus({
        deps: core,
        actor: ctx.actor,
        input: { draft: parsed.draft },
      });
      if (!both.ok) return void (await ctx.reply(describeError(both.error)));
      for (const run of both.value.runs) await postTask(ctx, deps, config, run);
      return;
    }
    const result = await submitTask({
      deps: core,
      actor: ctx.actor,
      input: { draft: parsed.draft, guess: parsed.guess },
    });
    if (!result.ok) return void (await ctx.reply(describeError(result.error)));
    await postTask(ctx, deps, config, result.value);
  }

  async function ask(
    ctx: BotContext,
    q: Extract<ParsedRequest, { type: 'clarify' }>,
    consensus: boolean,
  ) {
    const chatId = ctx.chat?.id;
    if (chatId === undefined) return;
    const at = core.clock.now();
    const pending: PendingQuestion = {
      nonce: nonceOf(at.getTime() + ctx.update.update_id),
      field: q.field,
      draft: q.draft,
      missing: q.missing,
      choices: q.choices.slice(0, 12),
      consensus,
      askedBy: ctx.actor.id,
      askedAt: at.toISOString(),
    };
    const chat = (await chats.getChat(chatId)) ?? emptyChat(chatId, pending.askedAt);
    await chats.saveChat({ ...chat, pending, updatedAt: pending.askedAt });
    const keyboard: InlineKeyboardButton[][] = pending.choices.map((c, i) => [
      { text: c.label, callback_data: answerCallback(pending.nonce, i) },
    ]);
    await ctx.reply(`${q.echo}\n${q.question}`, {
      ...(keyboard.length ? { reply_markup: { inline_keyboard: keyboard } } : {}),
      reply_parameters: {
        message_id: ctx.message?.message_id ?? 0,
        allow_sending_without_reply: true,
      },
    });
  }

  /** The answer fills the question's field; the next missing field is asked, or the task made. */
  async function answer(ctx: BotContext, pending: PendingQuestion, value: string) {
    const chatId = ctx.chat?.id;
    if (chatId === undefined) return;
    const chat = await chats.getChat(chatId);
    if (chat)
      await chats.saveChat({ ...chat, pending: null, updatedAt: core.clock.now().toISOString() });
    const draft = fill(pending.draft, pending.field, value);
    const rest = pending.missing.filter((f) => f !== pending.field && !(f in draft));
    const next = rest[0];
    if (next) {
      return ask(
        ctx,
        {
          type: 'clarify',
          field: next,
          question: `Which ${next.replace(/^params\./, '')}?`,
          choices: [],
          draft,
          missing: rest,
          echo: '',
        },
        pending.consensus,
      );
    }
    const parsed = finishDraft(draft, {
      confidence: 1,
      assumptions: [],
      consensus: pending.consensus,
      // Picking an answer under the echoed draft is the confirming tap a guess waits for.
      guess: false,
    });
    if (parsed.type === 'task') return submit(ctx, parsed);
    await ctx.reply(
      parsed.type === 'unusable' ? parsed.reason : 'That did not make a task; please say it again.',
    );
  }

  async function openQuestion(ctx: BotContext): Promise<PendingQuestion | null> {
    const chat = ctx.chat ? await chats.getChat(ctx.chat.id) : null;
    const p = chat?.pending;
    if (!p || p.askedBy !== ctx.actor.id) return null;
    return core.clock.now().getTime() - Date.parse(p.askedAt) > QUESTION_TTL_MS ? null : p;
  }

  composer.on('callback_query:data', async (ctx, next) => {
    const data = parseCallback(ctx.callbackQuery.data);
    if (data?.action !== 'answer') return next();
    const pending = await openQuestion(ctx);
    const choice = pending?.nonce === data.nonce ? pending.choices[data.choice] : undefined;
    if (!pending || !choice) {
      await ctx.answerCallbackQuery({ text: 'That question is no longer open.' });
      return recordRefusedTap(ctx, deps, `chat:${ctx.chat?.id ?? 'unknown'}`, 'stale');
    }
    await ctx.answerCallbackQuery({ text: choice.label });
    await ctx
      .editMessageReplyMarkup({ reply_markup: { inline_keyboard: [] } })
      .catch(() => undefined);
    await answer(ctx, pending, choice.value);
  });

  /** What a parsed message becomes: a task, a question, an answer, or help. */
  async function handle(ctx: BotContext, outcome: ParseOutcome) {
    switch (outcome.type) {
      case 'task':
        return submit(ctx, outcome);
      case 'clarify':
        return ask(ctx, outcome, false);
      case 'query':
        return answerQuery(ctx, deps, config, outcome.query);
      case 'chatter':
        await ctx.reply(outcome.reply);
        return;
      case 'unusable':
        await ctx.reply(outcome.reason);
        return;
    }
  }

  async function parse(ctx: BotContext, text: string) {
    const chat = ctx.chat ? await chats.getChat(ctx.chat.id) : null;
    return parseText({
      deps: core,
      actor: ctx.actor,
      input: { text, lastHost: chat?.lastHost, lastRepo: chat?.lastRepo },
    });
  }

  /**
   * Edit on a guess: the requester's new wording replaces it. The guess is cancelled only when
   * the new text is a request; chatter ("ok", "yes") changes nothing and never runs it.
   */
  async function reword(ctx: BotContext, task: Task, text: string) {
    const replyTo = { reply_parameters: { message_id: ctx.message?.message_id ?? 0 } };
    if (task.requester !== ctx.actor.id)
      return void (await ctx.reply('Tap Run, Edit or Cancel.', replyTo));
    const parsed = await parse(ctx, text);
    if (!parsed.ok) return void (await ctx.reply(describeError(parsed.error)));
    const outcome = parsed.value;
    if (outcome.type !== 'task' && outcome.type !== 'clarify')
      return void (await ctx.reply('Tap Run, Edit or Cancel.', replyTo));
    const dropped = await cancelTask({
      deps: core,
      actor: ctx.actor,
      input: { taskId: task.id, reason: 'reworded by its requester' },
    });
    // Run won the race: the guess already started, so the new wording is not sent as well.
    if (!dropped.ok) return void (await ctx.reply(describeError(dropped.error), replyTo));
    deps.board.track(task.id);
    await ctx.reply(`Dropped ${taskRef(task)}; this replaces it.`, replyTo);
    return handle(ctx, outcome);
  }

  composer.on('message:text', async (ctx) => {
    const text = withoutMention(ctx.message.text, ctx.me.username);
    if (!text) return void (await ctx.reply(CHATTER_REPLY));
    const replied = ctx.message.reply_to_message;
    if (replied && ctx.chat) {
      const link = await chats.messageAt(ctx.chat.id, replied.message_id);
      const found = link
        ? await findTask({ deps: core, actor: ctx.actor, input: { ref: link.taskId } })
        : null;
      const task = found?.ok ? found.value : null;
      if (task?.status === 'awaiting_approval' && task.gate === 'confirm')
        return reword(ctx, task, text);
      if (task?.status === 'awaiting_approval') {
        // Only the typed phrase on a typed-phrase gate is a decision; any other reply ("no",
        // "approve", 👍) is answered and changes nothing: core refuses typed text on a tap gate.
        const r = await approveTask({
          deps: core,
          actor: ctx.actor,
          input: { taskId: task.id, phrase: text, via: 'phrase' },
        });
        if (r.ok) deps.board.track(task.id);
        await ctx.reply(r.ok ? 'Approved.' : notADecision(r.error), {
          reply_parameters: { message_id: ctx.message.message_id },
        });
        return;
      }
      if (
        task &&
        task.kind === 'agent' &&
        (link?.kind === 'progress' || link?.kind === 'continue')
      ) {
        // Reply to a result (or to "what next?") continues the same agent session.
        const r = await continueTask({
          deps: core,
          actor: ctx.actor,
          input: { taskId: task.id, prompt: text },
        });
        if (!r.ok) return void (await ctx.reply(describeError(r.error)));
        return postTask(ctx, deps, config, r.value);
      }
    }
    const pending = await openQuestion(ctx);
    if (pending) {
      const wanted = text.trim().toLowerCase();
      const choice = pending.choices.find(
        (c) => c.label.toLowerCase() === wanted || c.value.toLowerCase() === wanted,
      );
      if (choice || (pending.choices.length === 0 && text.trim().split(/\s+/).length <= 3)) {
        return answer(ctx, pending, choice?.value ?? text.trim());
      }
    }
    const parsed = await parse(ctx, text);
    if (!parsed.ok) return void (await ctx.reply(describeError(parsed.error)));
    return handle(ctx, parsed.value);
  });
  return composer;
}

function fill(draft: DraftSoFar, field: string, value: string): DraftSoFar {
  if (field.startsWith('params.')) {
    return { ...draft, params: { ...(draft.params ?? {}), [field.slice(7)]: value } };
  }
  return { ...draft, [field]: value };
}
