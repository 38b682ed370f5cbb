import { Composer } from 'grammy';
import { describeError } from '../../core/errors.js';
import { decidePermission } from '../../core/use-cases/decide-permission.js';
import { permissionSubject } from '../../core/audit.js';
import { parsePermissionCallback } from '../callback-data.js';
import type { BotContext } from '../context.js';
import type { BotDeps } from '../deps.js';
import { recordRefusedTap } from './refused-tap.js';

/**
 * Approve once / Deny on an agent's tool-use card. The button only names the request; the
 * database decides whether the tap still counts (role, pending, not expired). The card itself
 * is edited by the board when the decision event arrives.
 */
export function permissionButtons(deps: BotDeps) {
  const composer = new Composer<BotContext>();
  composer.on('callback_query:data', async (ctx, next) => {
    const data = parsePermissionCallback(ctx.callbackQuery.data);
    if (!data) return next();
    const r = await decidePermission({
      deps: deps.core,
      actor: ctx.actor,
      input: { requestId: data.requestId, allow: data.action === 'allow' },
    });
    if (r.ok) {
      const what = r.value.toolName.slice(0, 100);
      await ctx.answerCallbackQuery({
        text: data.action === 'allow' ? `Allowed ${what} once.` : `Denied ${what}.`,
      });
      return;
    }
    const error = r.error;
    await ctx.answerCallbackQuery({
      text:
        error.code === 'forbidden' && error.role === 'viewer'
          ? 'Only an approver can do that.'
          : describeError(error).slice(0, 200),
    });
    await recordRefusedTap(ctx, deps, permissionSubject(data.requestId), error);
  });
  return composer;
}
