import { describeError } from '../../core/errors.js';
import type { Query } from '../../core/intent/parse-request.js';
import { cancelTask } from '../../core/use-cases/cancel-task.js';
import { findTask } from '../../core/use-cases/find-task.js';
import { getSystemStatus } from '../../core/use-cases/get-system-status.js';
import { listTasks } from '../../core/use-cases/list-tasks.js';
import { rerunTask } from '../../core/use-cases/rerun-task.js';
import type { BotContext } from '../context.js';
import type { BotConfig, BotDeps } from '../deps.js';
import { postTask, showTask } from '../post-task.js';
import { sendRich } from '../send.js';
import { spendView, statusOverview, taskList } from '../views/overview.js';
import { taskRef } from '../views/describe-task.js';

async function reply(ctx: BotContext, text: Parameters<typeof sendRich>[2]) {
  if (ctx.chat) await sendRich(ctx.api, ctx.chat.id, text);
}

export async function overview(ctx: BotContext, deps: BotDeps) {
  const [status, running, awaiting] = await Promise.all([
    getSystemStatus({ deps: deps.core }),
    listTasks({ deps: deps.core, actor: ctx.actor, input: { status: ['running'], limit: 10 } }),
    listTasks({
      deps: deps.core,
      actor: ctx.actor,
      input: { status: ['awaiting_approval'], limit: 10 },
    }),
  ]);
  if (!running.ok) return void (await ctx.reply(describeError(running.error)));
  await reply(
    ctx,
    statusOverview({
      queueDepth: status.queueDepth,
      running: running.value.items,
      awaiting: awaiting.ok ? awaiting.value.items : [],
      breakers: status.breakers,
    }),
  );
}

export async function spend(ctx: BotContext, deps: BotDeps, period: 'day' | 'month' | 'both') {
  const status = await getSystemStatus({ deps: deps.core });
  await reply(ctx, spendView(status.breakers, period));
}

export async function cancelByRef(ctx: BotContext, deps: BotDeps, ref: string) {
  const found = await findTask({ deps: deps.core, actor: ctx.actor, input: { ref } });
  if (!found.ok) return void (await ctx.reply(describeError(found.error)));
  const r = await cancelTask({
    deps: deps.core,
    actor: ctx.actor,
    input: { taskId: found.value.id },
  });
  await ctx.reply(r.ok ? `Cancelled ${taskRef(r.value)}.` : describeError(r.error));
}

/** Status, what's running, spend, cancel 42, retry 42: answered from the store at once. */
export async function answerQuery(ctx: BotContext, deps: BotDeps, config: BotConfig, query: Query) {
  switch (query.type) {
    case 'status': {
      if (!query.task) return overview(ctx, deps);
      return showTask(ctx, deps, config, query.task);
    }
    case 'running': {
      const r = await listTasks({
        deps: deps.core,
        actor: ctx.actor,
        input: { status: ['running', 'queued'], limit: 20 },
      });
      if (!r.ok) return void (await ctx.reply(describeError(r.error)));
      return reply(ctx, taskList('Running and queued', r.value.items, 'Nothing is running.'));
    }
    case 'spend':
      return spend(ctx, deps, query.period);
    case 'cancel':
      return cancelByRef(ctx, deps, query.task);
    case 'retry': {
      const found = await findTask({
        deps: deps.core,
        actor: ctx.actor,
        input: { ref: query.task },
      });
      if (!found.ok) return void (await ctx.reply(describeError(found.error)));
      const r = await rerunTask({
        deps: deps.core,
        actor: ctx.actor,
        input: { taskId: found.value.id },
      });
      if (!r.ok) return void (await ctx.reply(describeError(r.error)));
      return postTask(ctx, deps, config, r.value);
    }
  }
}
