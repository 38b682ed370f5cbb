import type { DomainError } from '../../core/errors.js';
import {
  refusalOf,
  refuseCallback,
  type CallbackRefusal,
} from '../../core/use-cases/refuse-callback.js';
import type { BotContext } from '../context.js';
import type { BotDeps } from '../deps.js';

/**
 * Puts a member's refused tap on the record (after it was answered: the toast never waits on
 * the audit). `why` is the use case's error, or the reason when no use case ran.
 */
export async function recordRefusedTap(
  ctx: BotContext,
  deps: Pick<BotDeps, 'core'>,
  subject: string,
  why: CallbackRefusal | DomainError,
): Promise<void> {
  const reason = typeof why === 'string' ? why : refusalOf(why);
  if (!reason) return;
  await refuseCallback({
    deps: deps.core,
    actor: ctx.actor,
    input: {
      reason,
      subject,
      data: ctx.callbackQuery?.data ?? '',
      error: typeof why === 'string' ? undefined : why.code,
    },
  });
}
