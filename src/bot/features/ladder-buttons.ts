import { Composer } from 'grammy';
import { SYSTEM_ACTOR } from '../../core/actor.js';
import { describeError } from '../../core/errors.js';
import { decideEscalation } from '../../core/use-cases/decide-escalation.js';
import { escalationHistory } from '../../core/use-cases/escalation-history.js';
import { taskSubject } from '../../core/audit.js';
import { parseLadderCallback } from '../callback-data.js';
import type { BotContext } from '../context.js';
import type { BotConfig, BotDeps } from '../deps.js';
import { postTask } from '../post-task.js';
import { editRich } from '../send.js';
import { taskRef } from '../views/describe-task.js';
import { ladderMessage } from '../views/ladder-message.js';
import { recordRefusedTap } from './refused-tap.js';

/**
 * Re-run on … / Drop it, under the message that ends an escalation ladder. The button names a
 * task and an executor, nothing more: the use case checks the tapper's role, that the ladder
 * ended, that nobody decided yet, and that the executor is configured.
 */
export function ladderButtons(deps: BotDeps, config: BotConfig) {
  const composer = new Composer<BotContext>();
  const { core } = deps;

  composer.on('callback_query:data', async (ctx, next) => {
    const data = parseLadderCallback(ctx.callbackQuery.data);
    if (!data) return next();
    const decision =
      data.kind === 'drop'
        ? ({ kind: 'drop' } as const)
        : ({ kind: 'rerun', executor: data.executor } as const);
    const r = await decideEscalation({
      deps: core,
      actor: ctx.actor,
      input: { taskId: data.taskId, decision },
    });
    await ctx.answerCallbackQuery({
      text: r.ok
        ? r.value.kind === 'drop'
          ? 'Dropped.'
          : `Running it again on ${data.kind === 'rerun' ? data.executor : ''} as ${taskRef(r.value.submitted.task)}.`
        : describeError(r.error).slice(0, 200),
    });
    // This copy of the message shows the decision now (made here or by someone else before).
    const message = ctx.callbackQuery.message;
    if (message && (r.ok || r.error.code === 'escalation_decided')) {
      const h = await escalationHistory({
        deps: core,
        actor: SYSTEM_ACTOR,
        input: { taskId: data.taskId },
      });
      if (h.ok) {
        const view = ladderMessage(h.value);
        await editRich(ctx.api, message.chat.id, message.message_id, view.text, view.keyboard);
      }
    }
    if (!r.ok) await recordRefusedTap(ctx, deps, taskSubject(data.taskId), r.error);
    if (r.ok && r.value.kind === 'rerun') await postTask(ctx, deps, config, r.value.submitted);
  });
  return composer;
}
